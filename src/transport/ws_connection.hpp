#pragma once

#include <cstdint>
#include <string_view>

#include "core/websocket_wire.hpp"
#include "transport/connection.hpp"

namespace rig::transport {

// A WebSocket connection (spec §2.5) over HTTP/1.1 (plain or TLS): one text frame per event
// (the event's shared, pre-encoded frame, sent in the same gathered writes as SSE), a ping
// every heartbeat interval, and no messages accepted from the client: a client that sends
// one is closed with 1000 and RIG's reason. rig reads client frames itself
// (core::websocket::frame_reader: pings are answered, pongs noted, the close handshake
// done), with no read buffer kept between reads.
//
// Bounded: a client with more than RIG_MAX_QUEUE_BYTES unsent is closed with 1008. A client
// that has not answered two pings in a row is considered gone.
class ws_connection final : public connection {
public:
    ws_connection(connection_host& host, std::unique_ptr<http::response_channel> channel);

    // rig.connection.create (the 101 went out with the channel), and reading client frames.
    void start() override;
    void queue_event(const hub::event_ptr& event) override;
    void close(close_reason why) override;

private:
    void on_overflow() override;
    void on_heartbeat(uint64_t tick) override;
    bool on_peer_readable() override;
    // Sends a close frame as the last frame; `then` says whether to wait for the client's.
    void send_close(core::frame close_frame, after_flush then);

    core::websocket::frame_reader reader_;
    uint64_t last_pong_tick_ = 0;
};

// The close frames rig sends with fixed reasons (shared constants).
core::frame ws_close_frame(uint16_t code, std::string_view reason);

}  // namespace rig::transport
