#include "transport/sse_connection.hpp"

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>

#include "cloudevents/encode.hpp"
#include "cloudevents/rig_event.hpp"
#include "core/log.hpp"
#include "hub/published_event.hpp"

namespace rig::transport {
namespace {

constexpr std::string_view heartbeat = ": heartbeat\n\n";
const std::string heartbeat_chunk = cloudevents::http_chunk(heartbeat);

log::rate_limited slow_log{5};

}  // namespace

sse_connection::sse_connection(connection_host& host,
                               std::unique_ptr<http::response_channel> channel)
    : connection(host, kind::sse, std::move(channel)) {}

void sse_connection::start() {
    emit_connection_create();
    watch_peer();
}

void sse_connection::queue_event(const hub::event_ptr& event) {
    enqueue(hub::sse_frame(event, chunked()));
}

void sse_connection::on_heartbeat(uint64_t tick) {
    if (tick - opened_tick() >= ticks_per_heartbeat) {
        enqueue(core::static_frame(chunked() ? std::string_view(heartbeat_chunk) : heartbeat));
    }
}

void sse_connection::on_overflow() {
    hub::shard_stats::add(host_.stats().slow_consumer_disconnects);
    slow_log.info_with({{"event", "slow_consumer"},
                        {"transport", "sse"},
                        {"bytes_unsent", queue_.pending_bytes()}},
                       "sse: disconnecting slow consumer ({} bytes unsent, limit {})",
                       queue_.pending_bytes(), host_.options().max_queue_bytes);
    finish();
}

void sse_connection::close(close_reason why) {
    if (!is_open()) {
        return;
    }
    if (why == close_reason::slow_consumer) {
        finish();
        return;
    }
    if (why == close_reason::session_killed) {
        // The final rig.session_killed event goes out before the stream ends.
        emit(cloudevents::make_rig_event("rig.session_killed", nullptr));
    }
    if (chunked()) {
        enqueue(core::static_frame(cloudevents::last_chunk));
    }
    begin_closing(after_flush::end_channel);
}

bool sse_connection::on_peer_readable() {
    // Clients have nothing to say on an SSE stream: discard what they send, and stop at the
    // end of the stream or an error. A bounded number of reads per wake-up keeps a client
    // that floods from monopolising the shard.
    std::array<char, 512> sink{};
    for (int i = 0; i < 16; ++i) {
        http::error_code ec;
        read_peer(boost::asio::buffer(sink), ec);
        if (ec == boost::asio::error::would_block) {
            return true;
        }
        if (ec) {
            finish();
            return false;
        }
    }
    return true;
}

}  // namespace rig::transport
