#include "transport/ws_connection.hpp"

#include <array>
#include <boost/asio/error.hpp>

#include "core/log.hpp"
#include "hub/published_event.hpp"

namespace rig::transport {
namespace websocket = core::websocket;

namespace {

log::rate_limited client_log{5};

constexpr std::string_view two_way_reason =
    "This WebSocket endpoint cannot be used for two-way communication.";
constexpr std::string_view shutdown_reason = "Server shutting down.";
constexpr std::string_view killed_reason = "Session killed.";
constexpr std::string_view slow_reason = "Slow consumer: too many undelivered events.";

const std::string ping_frame = websocket::encode_frame(websocket::opcode::ping, {});

}  // namespace

core::frame ws_close_frame(uint16_t code, std::string_view reason) {
    // The few (code, reason) pairs rig sends are encoded once per process and shared.
    static const std::string two_way = websocket::encode_close(1000, two_way_reason);
    static const std::string shutdown = websocket::encode_close(1001, shutdown_reason);
    static const std::string killed = websocket::encode_close(1000, killed_reason);
    static const std::string slow = websocket::encode_close(1008, slow_reason);
    if (code == 1000 && reason == two_way_reason) {
        return core::static_frame(two_way);
    }
    if (code == 1001 && reason == shutdown_reason) {
        return core::static_frame(shutdown);
    }
    if (code == 1000 && reason == killed_reason) {
        return core::static_frame(killed);
    }
    if (code == 1008 && reason == slow_reason) {
        return core::static_frame(slow);
    }
    return core::owned_frame(websocket::encode_close(code, reason));
}

ws_connection::ws_connection(connection_host& host, std::unique_ptr<http::response_channel> channel)
    : connection(host, kind::ws, std::move(channel)) {}

void ws_connection::start() {
    last_pong_tick_ = host_.tick();
    emit_connection_create();
    watch_peer();
}

void ws_connection::queue_event(const hub::event_ptr& event) {
    enqueue(hub::ws_frame(event));
}

void ws_connection::on_overflow() {
    hub::shard_stats::add(host_.stats().slow_consumer_disconnects);
    client_log.info_with(
        {{"event", "slow_consumer"}, {"transport", "ws"}, {"bytes_unsent", queue_.pending_bytes()}},
        "ws: closing slow consumer ({} bytes unsent, limit {})", queue_.pending_bytes(),
        host_.options().max_queue_bytes);
    // Drop what waits: the close frame should not wait behind it.
    queue_.clear_pending();
    send_close(ws_close_frame(1008, slow_reason), after_flush::wait_for_peer);
}

void ws_connection::on_heartbeat(uint64_t tick) {
    if (tick - opened_tick() < ticks_per_heartbeat) {
        return;
    }
    if (tick - last_pong_tick_ > 2 * ticks_per_heartbeat + 1) {
        // Two heartbeat rounds without a pong: the peer is gone without a FIN.
        finish();
        return;
    }
    enqueue(core::static_frame(ping_frame));
}

void ws_connection::close(close_reason why) {
    switch (why) {
        case close_reason::shutdown:
            send_close(ws_close_frame(1001, shutdown_reason), after_flush::wait_for_peer);
            break;
        case close_reason::session_killed:
            send_close(ws_close_frame(1000, killed_reason), after_flush::wait_for_peer);
            break;
        case close_reason::slow_consumer:
            send_close(ws_close_frame(1008, slow_reason), after_flush::wait_for_peer);
            break;
    }
}

void ws_connection::send_close(core::frame close_frame, after_flush then) {
    if (!is_open()) {
        return;
    }
    enqueue(std::move(close_frame), true);
    begin_closing(then);
}

bool ws_connection::on_peer_readable() {
    std::array<char, 512> buf{};
    for (int i = 0; i < 16; ++i) {
        http::error_code ec;
        const std::size_t n = read_peer(boost::asio::buffer(buf), ec);
        if (ec == boost::asio::error::would_block) {
            return true;
        }
        if (ec) {
            finish();
            return false;
        }
        std::string_view in(buf.data(), n);
        while (!in.empty()) {
            websocket::frame_event ev;
            in.remove_prefix(reader_.feed(in, ev));
            switch (ev.what) {
                case websocket::frame_event::kind::need_more:
                    break;
                case websocket::frame_event::kind::data_frame:
                    // RIG's WebSocket is one-way: a client message ends the connection.
                    send_close(ws_close_frame(1000, two_way_reason), after_flush::wait_for_peer);
                    break;
                case websocket::frame_event::kind::ping:
                    if (is_open()) {
                        enqueue(core::owned_frame(
                            websocket::encode_frame(websocket::opcode::pong, ev.payload)));
                    }
                    break;
                case websocket::frame_event::kind::pong:
                    last_pong_tick_ = host_.tick();
                    break;
                case websocket::frame_event::kind::close:
                    if (!is_open()) {
                        // The answer to our close frame: the handshake is complete.
                        finish();
                        return false;
                    }
                    // The client closes: answer with its code, then close the connection.
                    send_close(core::owned_frame(websocket::encode_close(ev.code, {})),
                               after_flush::finish);
                    return false;
                case websocket::frame_event::kind::protocol_error:
                    client_log.info("ws: protocol error from client: {}", ev.payload);
                    if (is_open()) {
                        send_close(core::owned_frame(websocket::encode_close(ev.code, ev.payload)),
                                   after_flush::finish);
                    } else {
                        finish();
                    }
                    return false;
            }
        }
    }
    return true;
}

}  // namespace rig::transport
