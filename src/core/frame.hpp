#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/conflation_key.hpp"

namespace rig::core {

// Bytes to send, shared by every connection that sends them: an event's SSE chunk or
// WebSocket frame is one object, queued by pointer on each recipient. `owner` keeps the
// bytes alive (an event, a per-connection string); it is empty for static constants. `key`
// is the event's conflation key (owned by `owner`), null unless conflation is on and the
// event has one.
struct frame {
    std::shared_ptr<const void> owner;
    std::string_view bytes;
    const conflation_key* key = nullptr;

    std::size_t size() const { return bytes.size(); }
};

// A frame over bytes that live as long as the program (constants).
inline frame static_frame(std::string_view bytes) {
    return {nullptr, bytes, nullptr};
}

// A frame that owns its bytes (one allocation for the string and its control block).
inline frame owned_frame(std::string bytes) {
    auto s = std::make_shared<const std::string>(std::move(bytes));
    const std::string_view view(*s);
    return {std::move(s), view, nullptr};
}

}  // namespace rig::core
