#pragma once

#include <cstdint>
#include <string>

#include "delivery_stats.hpp"
#include "protocol_session.hpp"
#include "sse_stream.hpp"
#include "url.hpp"

namespace rig::bench {

// One subscriber over HTTP/1.1: an SSE GET (chunked or close-delimited body) or a WebSocket
// upgrade (text/binary frames, pings answered) to the target URL. Ready once the server has
// answered 200 and sent the first body bytes (SSE) or answered 101 (WebSocket). Owned by its
// connection in the subscriber worker; single-threaded; buffers at most one incomplete chunk,
// frame or SSE message.
class h1_session final : public protocol_session {
public:
    h1_session(const url& target, delivery_stats& stats, subscriber_events& events);

    void start(std::string& out) override;
    verdict on_input(std::string& in, std::string& out) override;
    std::size_t open_subscribers() const override { return 1; }  // ended by the worker
    bool all_ready() const override { return ready_; }

private:
    verdict consume_chunked(std::string& in);
    verdict consume_ws(std::string& in, std::string& out);
    void set_ready();

    const url& target_;
    delivery_stats& stats_;
    subscriber_events& events_;
    bool in_body_ = false, ready_ = false, chunked_ = false;
    std::size_t chunk_left_ = 0;  // of the current chunk, including its CRLF
    bool in_chunk_data_ = false;
    sse_stream sse_;
    int64_t ws_last_seq_ = -1;
};

}  // namespace rig::bench
