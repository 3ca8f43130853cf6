// Fuzz target for the WebSocket frame reader: any bytes, fed in any split, must give the same
// events as when fed whole, keep every documented bound, and end at the first protocol error.
//
// The first input byte seeds the split sizes; the rest is what a client sent. With clang and
// -DRIG_FUZZ=ON this links against libFuzzer (`make fuzz FUZZ_TARGET=websocket`); by default
// tests/fuzz/replay_main.cpp replays the corpus in tests/fuzz/corpus/websocket under ctest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "core/websocket_wire.hpp"

namespace {

namespace ws = rig::core::websocket;
using kind = ws::frame_event::kind;

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

struct event {
    kind what;
    std::uint16_t code;
    std::string payload;
    std::size_t end;  // offset in the stream just past the event's last byte
    bool operator==(const event&) const = default;
};

void check_event(const ws::frame_event& ev) {
    switch (ev.what) {
        case kind::need_more:
        case kind::data_frame:
            check(ev.code == 0 && ev.payload.empty());
            break;
        case kind::ping:
        case kind::pong:
            check(ev.code == 0 && ev.payload.size() <= 125);
            break;
        case kind::close:
            check(ev.payload.size() <= 123 && rig::core::is_valid_utf8(ev.payload));
            check(ev.code == 1005 ? ev.payload.empty() : ev.code >= 1000 && ev.code < 5000);
            break;
        case kind::protocol_error:
            check((ev.code == 1002 || ev.code == 1007) && !ev.payload.empty());
            break;
    }
}

// Feeds `stream` in pieces whose sizes come from `next_size` and records every event.
template <class NextSize>
std::vector<event> read(std::string_view stream, NextSize next_size) {
    ws::frame_reader reader;
    std::vector<event> events;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::string_view piece = stream.substr(at, next_size());
        while (!piece.empty()) {
            ws::frame_event ev;
            const std::size_t used = reader.feed(piece, ev);
            check(used <= piece.size());
            check_event(ev);
            piece.remove_prefix(used);
            at += used;
            if (ev.what == kind::need_more) {
                check(piece.empty());
                continue;
            }
            check(used > 0);
            events.push_back({ev.what, ev.code, std::move(ev.payload), at});
            if (ev.what == kind::protocol_error) {
                // Final: whatever comes next is used up and refused the same way.
                ws::frame_event again;
                const std::string_view rest = stream.substr(at);
                check(reader.feed(rest, again) == rest.size());
                check(again.what == kind::protocol_error && again.code == events.back().code &&
                      again.payload == events.back().payload);
                return events;
            }
        }
    }
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto whole = read(stream, [&] { return stream.size(); });
    const auto bytewise = read(stream, [] { return std::size_t{1}; });
    std::uint32_t state = 0x9e3779b9u ^ data[0];  // xorshift32 needs a nonzero seed
    const auto random = read(stream, [&] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // Mostly small pieces, so header and payload boundaries fall everywhere.
        return std::size_t{1} + state % ((state & 0x100) != 0 ? 300 : 16);
    });
    check(whole == bytewise);
    check(whole == random);
    return 0;
}
