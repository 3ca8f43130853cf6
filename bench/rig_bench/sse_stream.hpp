#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "delivery_stats.hpp"

namespace rig::bench {

// One SSE subscriber's event stream, after transfer framing (HTTP/1.1 chunking, HTTP/2 DATA
// frames) is removed: splits the text into messages at blank lines, joins each message's
// `data:` lines into the event JSON and records it. Owned by the protocol session of its
// connection; single-threaded; holds at most one incomplete message.
class sse_stream {
public:
    void feed(std::string_view bytes, delivery_stats& stats);

private:
    void on_message(std::string_view message, delivery_stats& stats);

    std::string text_;  // not yet split into messages
    std::string joined_;
    int64_t last_seq_ = -1;
};

}  // namespace rig::bench
