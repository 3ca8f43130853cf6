#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "transport/connection.hpp"
#include "transport/frame_queue.hpp"

namespace rig::transport {

using ws_stream = boost::beast::websocket::stream<tcp::socket>;

// A WebSocket connection (spec §2.5): one text frame per event (the event JSON), a ping every
// heartbeat interval, and no messages accepted from the client: a client that sends one is
// closed with 1000 and RIG's reason. Writes go out one message at a time from a bounded
// queue of shared payloads; a client with more than `max_queue_bytes` queued behind the message
// being written is closed with 1008.
// A client that has not answered two pings in a row is considered gone.
class ws_connection final : public connection {
public:
    ws_connection(shard_context& shard, ws_stream ws);

    // Starts reading (control frames and the close handshake). Call after open().
    void start();

    void deliver(const hub::event_ptr& event) override;
    void on_tick(uint64_t tick) override;
    void close(close_reason why) override;

private:
    void enqueue(shared_frame frame);
    void write_next();
    void read_next();
    void begin_close(uint16_t code, std::string reason);
    void maybe_send_close();
    void finish();

    ws_stream ws_;
    boost::beast::flat_buffer read_buffer_;
    std::vector<shared_frame> queue_;
    std::size_t head_ = 0;
    std::size_t pending_bytes_ = 0;  // bytes queued behind the message being written
    uint64_t last_pong_tick_ = 0;
    bool writing_ = false;
    bool pinging_ = false;
    bool closing_ = false;  // a close is wanted; sent once writes and pings are done
    bool close_sent_ = false;
    bool finished_ = false;
    std::chrono::steady_clock::time_point close_deadline_{};
    uint16_t close_code_ = 1000;
    std::string close_reason_;
};

}  // namespace rig::transport
