#pragma once

#include <chrono>
#include <vector>

#include "net/asio.hpp"
#include "transport/connection.hpp"
#include "transport/frame_queue.hpp"

namespace rig::transport {

// A Server-Sent Events stream (spec §2.4): a chunked HTTP/1.1 response that never ends on
// its own. Events are queued as shared, pre-framed chunks and written in gathered batches;
// the client only ever sends EOF, which the connection watches for without a read buffer.
//
// Bounded: when the bytes queued behind the write in progress would exceed `max_queue_bytes`
// the client is too slow; it is disconnected and counted (it can reconnect), never allowed to
// grow memory.
class sse_connection final : public connection {
public:
    sse_connection(shard_context& shard, tcp::socket socket);

    // Queues the response head and rig.connection.create, and starts watching the socket.
    // Call after open().
    void start(std::string response_head);

    void deliver(const hub::event_ptr& event) override;
    void on_tick(uint64_t tick) override;
    void close(close_reason why) override;
    void flush() override;

private:
    void enqueue(shared_frame frame);
    void write_pending();
    void on_written(const boost::system::error_code& ec);
    void watch_for_close();
    // Closes the socket and leaves the shard (deferred when called during delivery).
    void abort();
    void finish();

    tcp::socket socket_;
    std::vector<shared_frame> pending_;
    std::vector<shared_frame> inflight_;
    std::size_t pending_bytes_ = 0;  // bytes in pending_ (not yet handed to a write)
    bool writing_ = false;
    bool flush_scheduled_ = false;
    bool ending_ = false;    // no more frames: the last chunk is queued
    bool finished_ = false;  // socket closed, left the shard
    std::chrono::steady_clock::time_point close_deadline_{};
};

}  // namespace rig::transport
