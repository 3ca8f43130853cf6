#include "transport/sse_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "cloudevents/encode.hpp"
#include "cloudevents/rig_event.hpp"
#include "core/log.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {
namespace {

const shared_frame heartbeat_frame =
    std::make_shared<const std::string>(cloudevents::http_chunk(": heartbeat\n\n"));
const shared_frame last_chunk_frame = std::make_shared<const std::string>(cloudevents::last_chunk);

log::rate_limited slow_log{5};

}  // namespace

sse_connection::sse_connection(shard_context& shard, tcp::socket socket)
    : connection(shard, kind::sse), socket_(std::move(socket)) {}

void sse_connection::start(std::string response_head) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    enqueue(std::make_shared<const std::string>(std::move(response_head)));
    emit_connection_create();
    watch_for_close();
}

void sse_connection::deliver(const hub::event_ptr& event) {
    // Aliasing pointer: shares ownership of the event, points at its SSE chunk. No copy.
    enqueue(shared_frame(event, &event->sse_chunk));
}

void sse_connection::on_tick(uint64_t tick) {
    if (ending_) {
        // A client that does not take the end of its stream is cut off.
        if (!finished_ && std::chrono::steady_clock::now() > close_deadline_) {
            abort();
        }
        return;
    }
    if (tick - opened_tick() >= shard_context::tick_buckets) {
        enqueue(heartbeat_frame);
    }
}

void sse_connection::enqueue(shared_frame frame) {
    if (ending_ || finished_) {
        return;
    }
    // The batch being written does not count: it has left the queue, and a client that reads
    // promptly must not be judged by how soon the write's completion is scheduled.
    // A frame is always admitted into an empty queue, so that one event larger than the limit
    // (framing adds to the body limit) does not cost every recipient its connection.
    if (pending_bytes_ > 0 &&
        pending_bytes_ + frame->size() > shard_.node.options.max_queue_bytes) {
        hub::shard_stats::add(shard_.hub.stats().slow_consumer_disconnects);
        slow_log.info("sse: disconnecting slow consumer ({} bytes unsent, limit {})",
                      pending_bytes_, shard_.node.options.max_queue_bytes);
        abort();
        return;
    }
    pending_bytes_ += frame->size();
    pending_.push_back(std::move(frame));
    if (!writing_ && !flush_scheduled_) {
        // Not now: once the shard has run what is already queued (more deliveries, under
        // load), one gathered write sends everything this connection got meanwhile.
        flush_scheduled_ = true;
        shard_.schedule_flush(shared_from_this());
    }
}

void sse_connection::flush() {
    flush_scheduled_ = false;
    if (!writing_ && !finished_ && !pending_.empty()) {
        write_pending();
    }
}

void sse_connection::write_pending() {
    writing_ = true;
    inflight_.swap(pending_);
    pending_bytes_ = 0;
    asio::async_write(
        socket_, frame_buffers(inflight_),
        [self = std::static_pointer_cast<sse_connection>(shared_from_this())](
            const boost::system::error_code& ec, std::size_t) { self->on_written(ec); });
}

void sse_connection::on_written(const boost::system::error_code& ec) {
    writing_ = false;
    inflight_.clear();
    if (ec || finished_) {
        finish();
        return;
    }
    if (!pending_.empty()) {
        write_pending();
        return;
    }
    // Release the batch buffers of a burst so idle connections stay small.
    if (inflight_.capacity() > 16) {
        std::vector<shared_frame>().swap(inflight_);
    }
    if (ending_) {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        finish();
    }
}

void sse_connection::watch_for_close() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = std::static_pointer_cast<sse_connection>(shared_from_this())](
                           const boost::system::error_code& ec) {
                           if (ec || self->finished_) {
                               self->finish();
                               return;
                           }
                           // Clients have nothing to say on an SSE stream: discard anything
                           // they send, and stop at EOF or an error.
                           char sink[512];
                           boost::system::error_code rec;
                           const std::size_t n = self->socket_.read_some(asio::buffer(sink), rec);
                           if (rec == asio::error::would_block || (!rec && n > 0)) {
                               self->watch_for_close();
                           } else {
                               self->finish();
                           }
                       });
}

void sse_connection::close(close_reason why) {
    if (ending_ || finished_) {
        return;
    }
    if (why == close_reason::slow_consumer) {
        abort();
        return;
    }
    if (why == close_reason::session_killed) {
        // The final rig.session_killed event goes out before the stream ends.
        emit(cloudevents::make_rig_event("rig.session_killed", nullptr));
    }
    enqueue(last_chunk_frame);
    ending_ = true;
    close_deadline_ = std::chrono::steady_clock::now() + close_grace(shard_);
    mark_closing();
}

void sse_connection::abort() {
    if (finished_) {
        return;
    }
    ending_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    // Runs outside any delivery loop: leaving the index must not happen while it is walked.
    asio::post(
        socket_.get_executor(),
        [self = std::static_pointer_cast<sse_connection>(shared_from_this())] { self->finish(); });
}

void sse_connection::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    unregister();
}

}  // namespace rig::transport
