#pragma once

#include "transport/connection.hpp"

namespace rig::transport {

// A Server-Sent Events stream (spec §2.4): a response that never ends on its own, over
// HTTP/1.1 (chunked) or an HTTP/2 stream. Events are queued as the event's shared SSE frame
// and written in gathered batches; a comment line keeps idle streams alive; the client only
// ever ends the stream, which the connection watches for without a read buffer.
//
// Bounded: a client whose unsent bytes would exceed RIG_MAX_QUEUE_BYTES is too slow; it is
// disconnected and counted (it can reconnect), never allowed to grow memory.
class sse_connection final : public connection {
public:
    sse_connection(connection_host& host, std::unique_ptr<http::response_channel> channel);

    // rig.connection.create (the head went out with the channel), and watching the client.
    void start() override;
    void queue_event(const hub::event_ptr& event) override;
    void close(close_reason why) override;

private:
    void on_overflow() override;
    void on_heartbeat(uint64_t tick) override;
    bool on_peer_readable() override;
};

}  // namespace rig::transport
