#include "transport/longpoll_session.hpp"

#include <boost/asio/post.hpp>

#include "cloudevents/rig_event.hpp"
#include "core/json_text.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {

longpoll_session::longpoll_session(shard_context& shard)
    : connection(shard, kind::longpoll),
      last_poll_(std::chrono::steady_clock::now()),
      hold_timer_(shard.io) {}

void longpoll_session::start() {
    emit_connection_create();
}

void longpoll_session::deliver(const hub::event_ptr& event) {
    if (closed_) {
        return;
    }
    const auto& opts = shard_.node.options;
    while (!buffer_.empty() && (buffer_.size() >= opts.longpoll_buffer ||
                                buffer_bytes_ + event->json.size() > opts.max_queue_bytes)) {
        buffer_bytes_ -= buffer_.front()->json.size();
        buffer_.pop_front();
    }
    buffer_.push_back(event);
    buffer_bytes_ += event->json.size();
    if (waiter_) {
        // Answer outside the delivery loop; the callback posts to another shard anyway.
        asio::post(shard_.io,
                   [self = std::static_pointer_cast<longpoll_session>(shared_from_this())] {
                       if (self->waiter_) {
                           if (auto r = self->take_after(self->waiter_->last_event_id)) {
                               self->answer_waiter(std::move(*r));
                           }
                       }
                   });
    }
}

std::optional<poll_result> longpoll_session::take_after(const std::string& last_event_id) const {
    const std::size_t n = buffer_.size();
    const auto at = [&](std::size_t i) -> const hub::event_ptr& { return buffer_[i]; };
    if (n == 0) {
        return std::nullopt;
    }
    // Walk back from the newest event to the client's last one.
    std::size_t first = 0;
    for (std::size_t i = n; i-- > 0;) {
        if (at(i)->id == last_event_id) {
            first = i + 1;
            break;
        }
    }
    if (first == n) {
        return std::nullopt;
    }
    poll_result r;
    r.last_event_id = at(n - 1)->id;
    r.body = "{\"last_event_id\":" + core::json_quote(r.last_event_id) + ",\"events\":[";
    for (std::size_t i = first; i < n; ++i) {
        if (i != first) {
            r.body += ',';
        }
        r.body += at(i)->json;
    }
    r.body += "]}";
    return r;
}

poll_result longpoll_session::empty_result() const {
    poll_result r;
    if (!buffer_.empty()) {
        r.last_event_id = buffer_.back()->id;
    }
    r.body = "{\"last_event_id\":" + core::json_quote(r.last_event_id) + ",\"events\":[]}";
    return r;
}

void longpoll_session::poll(std::string last_event_id, poll_callback done) {
    last_poll_ = std::chrono::steady_clock::now();
    if (waiter_) {
        answer_waiter(empty_result());
    }
    if (auto r = take_after(last_event_id)) {
        done(std::move(*r));
        return;
    }
    if (closed_ || shard_.draining() || shard_.node.options.longpoll_hold.count() == 0) {
        done(empty_result());
        return;
    }
    waiter_ = waiter{std::move(last_event_id), std::move(done)};
    hold_timer_.expires_after(shard_.node.options.longpoll_hold);
    hold_timer_.async_wait([self = std::static_pointer_cast<longpoll_session>(shared_from_this())](
                               const boost::system::error_code& ec) {
        if (!ec && self->waiter_) {
            self->answer_waiter(self->empty_result());
        }
    });
}

void longpoll_session::answer_waiter(poll_result r) {
    auto w = std::move(*waiter_);
    waiter_.reset();
    hold_timer_.cancel();
    last_poll_ = std::chrono::steady_clock::now();
    w.done(std::move(r));
}

void longpoll_session::on_tick(uint64_t) {
    if (!waiter_ &&
        std::chrono::steady_clock::now() - last_poll_ > shard_.node.options.longpoll_session_ttl) {
        close(close_reason::shutdown);
    }
}

void longpoll_session::close(close_reason why) {
    if (closed_) {
        return;
    }
    if (why == close_reason::session_killed) {
        emit(cloudevents::make_rig_event("rig.session_killed", nullptr));
    }
    closed_ = true;
    if (waiter_) {
        auto r = take_after(waiter_->last_event_id);
        answer_waiter(r ? std::move(*r) : empty_result());
    }
    unregister();
}

}  // namespace rig::transport
