#include "transport/ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "core/log.hpp"
#include "http/responses.hpp"
#include "transport/connect_request.hpp"
#include "transport/endpoints.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {
namespace websocket = boost::beast::websocket;

namespace {
log::rate_limited client_log{5};
constexpr std::string_view two_way_reason =
    "This WebSocket endpoint cannot be used for two-way communication.";
}  // namespace

ws_connection::ws_connection(shard_context& shard, ws_stream ws)
    : connection(shard, kind::ws), ws_(std::move(ws)) {}

void ws_connection::start() {
    ws_.text(true);
    // One frame per event, however large (spec §2.5); Beast would fragment at 4 KiB.
    ws_.auto_fragment(false);
    ws_.read_message_max(64 * 1024);
    last_pong_tick_ = shard_.tick();
    ws_.control_callback([this](websocket::frame_type frame, boost::beast::string_view) {
        if (frame == websocket::frame_type::pong) {
            last_pong_tick_ = shard_.tick();
        }
    });
    emit_connection_create();
    read_next();
}

void ws_connection::deliver(const hub::event_ptr& event) {
    enqueue(shared_frame(event, &event->json));
}

void ws_connection::enqueue(shared_frame frame) {
    if (closing_ || finished_) {
        return;
    }
    // The message being written does not count (see sse_connection::enqueue).
    // As for SSE, an empty queue always takes one frame, however large.
    if (pending_bytes_ > 0 &&
        pending_bytes_ + frame->size() > shard_.node.options.max_queue_bytes) {
        hub::shard_stats::add(shard_.hub.stats().slow_consumer_disconnects);
        client_log.info("ws: closing slow consumer ({} bytes unsent, limit {})", pending_bytes_,
                        shard_.node.options.max_queue_bytes);
        // Drop what is queued: the close frame should not wait behind it.
        const std::size_t keep = head_ + (writing_ ? 1 : 0);
        queue_.resize(keep);
        pending_bytes_ = 0;
        begin_close(1008, "Slow consumer: too many undelivered events.");
        return;
    }
    pending_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    if (!writing_) {
        write_next();
    }
}

void ws_connection::write_next() {
    if (head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
        if (queue_.capacity() > 16) {
            std::vector<shared_frame>().swap(queue_);
        }
        maybe_send_close();
        return;
    }
    if (head_ >= 64 && head_ * 2 >= queue_.size()) {
        // A client that stays a little behind never empties the queue: drop the sent prefix.
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
    writing_ = true;
    const shared_frame& f = queue_[head_];
    pending_bytes_ -= f->size();
    ws_.async_write(asio::buffer(*f),
                    [self = std::static_pointer_cast<ws_connection>(shared_from_this())](
                        const boost::system::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        self->queue_[self->head_].reset();
                        ++self->head_;
                        if (ec) {
                            self->finish();
                            return;
                        }
                        self->write_next();
                    });
}

void ws_connection::read_next() {
    ws_.async_read(read_buffer_,
                   [self = std::static_pointer_cast<ws_connection>(shared_from_this())](
                       const boost::system::error_code& ec, std::size_t) {
                       if (ec) {
                           // websocket::error::closed is the normal end of the close handshake.
                           self->finish();
                           return;
                       }
                       self->read_buffer_.clear();
                       self->begin_close(1000, std::string(two_way_reason));
                       self->read_next();
                   });
}

void ws_connection::on_tick(uint64_t tick) {
    if (closing_) {
        // A client that takes neither its last events nor the close frame is cut off.
        if (!finished_ && std::chrono::steady_clock::now() > close_deadline_) {
            boost::system::error_code ignored;
            ws_.next_layer().close(ignored);
        }
        return;
    }
    if (finished_ || tick - opened_tick() < shard_context::tick_buckets) {
        return;
    }
    if (tick - last_pong_tick_ > 2 * shard_context::tick_buckets + 1) {
        // Two heartbeat rounds without a pong: the peer is gone without a FIN.
        boost::system::error_code ignored;
        ws_.next_layer().close(ignored);
        return;
    }
    if (pinging_) {
        return;
    }
    pinging_ = true;
    ws_.async_ping({}, [self = std::static_pointer_cast<ws_connection>(shared_from_this())](
                           const boost::system::error_code&) {
        self->pinging_ = false;
        self->maybe_send_close();
    });
}

void ws_connection::close(close_reason why) {
    switch (why) {
        case close_reason::shutdown:
            begin_close(1001, "Server shutting down.");
            break;
        case close_reason::session_killed:
            begin_close(1000, "Session killed.");
            break;
        case close_reason::slow_consumer:
            begin_close(1008, "Slow consumer: too many undelivered events.");
            break;
    }
}

void ws_connection::begin_close(uint16_t code, std::string reason) {
    if (closing_ || finished_) {
        return;
    }
    closing_ = true;
    close_deadline_ = std::chrono::steady_clock::now() + close_grace(shard_);
    // Wait this long for the client's answering close frame, then drop the connection.
    ws_.set_option(websocket::stream_base::timeout{
        std::chrono::duration_cast<std::chrono::seconds>(close_grace(shard_)),
        websocket::stream_base::none(), false});
    close_code_ = code;
    close_reason_ = std::move(reason);
    // Never leave the index from inside a delivery; the read loop ends the connection.
    asio::post(ws_.get_executor(),
               [self = std::static_pointer_cast<ws_connection>(shared_from_this())] {
                   self->unregister();
                   self->maybe_send_close();
               });
}

void ws_connection::maybe_send_close() {
    if (!closing_ || close_sent_ || writing_ || pinging_ || finished_) {
        return;
    }
    close_sent_ = true;
    websocket::close_reason cr(static_cast<websocket::close_code>(close_code_));
    cr.reason = close_reason_;
    ws_.async_close(cr, [self = std::static_pointer_cast<ws_connection>(shared_from_this())](
                            const boost::system::error_code& ec) {
        if (ec) {
            self->finish();
        }
        // Otherwise the pending read completes with websocket::error::closed once the
        // client answers, or fails when the socket goes away.
    });
}

void ws_connection::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    closing_ = true;
    boost::system::error_code ignored;
    ws_.next_layer().close(ignored);
    unregister();
}

}  // namespace rig::transport

namespace rig::transport {

handler_result ws_connect(shard_context& shard, http::exchange& ex) {
    if (!websocket::is_upgrade(ex.req())) {
        co_return http::make_error(http::status::bad_request,
                                   "Expected a WebSocket upgrade request.");
    }
    node_context& node = shard.node;
    const connect_params params = read_connect_params(ex.req());
    auto resolved = resolve_connect(node, params, connect_flavor::sse_or_ws);
    std::optional<std::string> refusal;
    websocket::close_code refusal_code = websocket::close_code::normal;
    if (shard.draining()) {
        refusal = "Server shutting down.";
        refusal_code = websocket::close_code::going_away;
    } else if (resolved.failure) {
        // RIG keeps close reasons short, except for undecodable subscription lists. A close
        // reason may hold at most 123 bytes.
        refusal = resolved.failure->subscriptions_not_json ? resolved.failure->error.message
                                                           : "Bad request.";
        client_log.info("ws: connect refused: {}", resolved.failure->error.message);
    } else if (auto v = co_await check_connect(shard, params, resolved); !v.allowed) {
        refusal = "Bad request.";
        client_log.info("ws: subscription denied: {}", v.reason);
    } else if (!node.rate_limiter.try_acquire()) {
        refusal = "Bad request.";
        client_log.info("ws: connect refused: MAX_CONNECTIONS_PER_MINUTE reached");
    }

    ws_stream ws(ex.take_socket());
    ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10),
                                                  websocket::stream_base::none(), false});
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "rig"); }));
    auto [ec] = co_await ws.async_accept(ex.req(), asio::as_tuple(asio::use_awaitable));
    if (ec) {
        co_return std::nullopt;
    }
    if (refusal) {
        if (refusal->size() > 123) {
            // Cut at a UTF-8 character boundary.
            std::size_t n = 123;
            while (n > 0 && (static_cast<unsigned char>((*refusal)[n]) & 0xc0) == 0x80) {
                --n;
            }
            refusal->resize(n);
        }
        websocket::close_reason cr(refusal_code);
        cr.reason = *refusal;
        auto [cec] = co_await ws.async_close(cr, asio::as_tuple(asio::use_awaitable));
        if (!cec) {
            // Wait for the client's close frame (the handshake timeout bounds this).
            boost::beast::flat_buffer drain;
            for (;;) {
                auto [rec, n] = co_await ws.async_read(drain, asio::as_tuple(asio::use_awaitable));
                if (rec) {
                    break;
                }
                drain.clear();
            }
        }
        co_return std::nullopt;
    }
    auto conn = std::make_shared<ws_connection>(shard, std::move(ws));
    conn->open();
    if (resolved.session) {
        conn->join_session(*resolved.session);
    }
    conn->start();
    conn->set_subscriptions(std::move(resolved.subscriptions));
    co_return std::nullopt;
}

}  // namespace rig::transport
