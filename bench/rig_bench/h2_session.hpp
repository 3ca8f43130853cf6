#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <deque>
#include <string>

#include "delivery_stats.hpp"
#include "protocol_session.hpp"
#include "sse_stream.hpp"
#include "url.hpp"

namespace rig::bench {

// HTTP/2 flow-control windows the client advertises. The defaults are Chrome's (6 MiB per
// stream, 15 MiB per connection), so that a server is not held back by the load tool, as a
// browser would not hold it back either.
struct h2_windows {
    int32_t stream = 6 * 1024 * 1024;
    int32_t connection = 15 * 1024 * 1024;
};

// Many SSE subscribers on one HTTP/2 connection (libnghttp2's client session): `streams`
// GET requests for the same URL, each an EventSource of its own, counted per stream exactly
// like an HTTP/1.1 subscriber (loss, order, latency). A stream is ready once its 200 and its
// first DATA arrived. Works over TLS (ALPN "h2") or cleartext with prior knowledge (h2c).
// Owned by its connection in the subscriber worker; single-threaded; nghttp2 bounds what it
// buffers by the windows above and the server's SETTINGS_MAX_CONCURRENT_STREAMS (streams
// beyond it wait in nghttp2's queue and never become ready).
class h2_session final : public protocol_session {
public:
    h2_session(const url& target, std::size_t streams, h2_windows windows, delivery_stats& stats,
               subscriber_events& events);
    ~h2_session() override;
    h2_session(const h2_session&) = delete;
    h2_session& operator=(const h2_session&) = delete;

    void start(std::string& out) override;
    verdict on_input(std::string& in, std::string& out) override;
    std::size_t open_subscribers() const override { return open_; }
    bool all_ready() const override { return ready_ == streams_.size(); }

private:
    struct stream {
        int32_t id = -1;
        int status = 0;
        bool ready = false;
        sse_stream sse;
    };

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                         size_t namelen, const uint8_t* value, size_t valuelen, uint8_t flags,
                         void* self);
    static int on_data_chunk(nghttp2_session*, uint8_t flags, int32_t stream_id,
                             const uint8_t* data, size_t len, void* self);
    static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                               void* self);
    bool flush(std::string& out);

    const url& target_;
    h2_windows windows_;
    delivery_stats& stats_;
    subscriber_events& events_;
    nghttp2_session* session_ = nullptr;
    std::deque<stream> streams_;  // stable addresses: nghttp2 keeps a pointer per stream
    std::size_t open_ = 0, ready_ = 0;
    bool dying_ = false;  // in the destructor: stream closes are the worker's to count
};

}  // namespace rig::bench
