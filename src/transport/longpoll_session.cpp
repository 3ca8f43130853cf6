#include "transport/longpoll_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "cloudevents/rig_event.hpp"
#include "core/json_text.hpp"
#include "hub/published_event.hpp"

namespace rig::transport {
namespace {

// The session's queue holds json_frame()s of events: their owner is the event.
const hub::published_event& event_of(const core::frame& f) {
    return *static_cast<const hub::published_event*>(f.owner.get());
}

}  // namespace

longpoll_session::longpoll_session(connection_host& host, const asio::any_io_executor& executor)
    : connection(host, kind::longpoll, nullptr),
      last_poll_(host_.now()),
      hold_timer_(executor),
      expiry_timer_(executor) {}

void longpoll_session::start() {
    emit_connection_create();
    arm_expiry();
}

void longpoll_session::arm_expiry() {
    // Relative to the host's clock (what last_poll_ was read from), not the timer's own.
    const auto left = host_.options().longpoll_session_ttl - (host_.now() - last_poll_);
    expiry_timer_.expires_after(std::max<std::chrono::steady_clock::duration>(left, {}));
    expiry_timer_.async_wait([self = std::static_pointer_cast<longpoll_session>(
                                  shared_from_this())](const boost::system::error_code& ec) {
        // A poll since the timer was armed moved the deadline (and a completion already
        // queued when the timer was re-armed also lands here): check it again. A waiting poll
        // re-arms the timer when it is answered.
        if (ec || !self->is_open() || self->waiter_) {
            return;
        }
        if (self->host_.now() - self->last_poll_ >= self->host_.options().longpoll_session_ttl) {
            self->close(close_reason::shutdown);
        } else {
            self->arm_expiry();
        }
    });
}

void longpoll_session::queue_event(const hub::event_ptr& event) {
    if (!is_open()) {
        return;
    }
    if (const std::size_t evicted =
            queue_.push_evicting(hub::json_frame(event), host_.options().longpoll_buffer)) {
        hub::shard_stats::add(host_.stats().dropped_queue_full, evicted);
    }
    if (waiter_) {
        // Answer outside the delivery loop; the callback posts to another shard anyway.
        asio::post(hold_timer_.get_executor(),
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
    const auto frames = queue_.pending();
    const std::size_t n = frames.size();
    if (n == 0) {
        return std::nullopt;
    }
    // Walk back from the newest event to the client's last one.
    std::size_t first = 0;
    for (std::size_t i = n; i-- > 0;) {
        if (event_of(frames[i]).id() == last_event_id) {
            first = i + 1;
            break;
        }
    }
    if (first == n) {
        return std::nullopt;
    }
    poll_result r;
    r.last_event_id = event_of(frames[n - 1]).id();
    r.body = "{\"last_event_id\":" + core::json_quote(r.last_event_id) + ",\"events\":[";
    for (std::size_t i = first; i < n; ++i) {
        if (i != first) {
            r.body += ',';
        }
        r.body += frames[i].bytes;
    }
    r.body += "]}";
    return r;
}

poll_result longpoll_session::empty_result() const {
    poll_result r;
    if (const auto frames = queue_.pending(); !frames.empty()) {
        r.last_event_id = event_of(frames.back()).id();
    }
    r.body = "{\"last_event_id\":" + core::json_quote(r.last_event_id) + ",\"events\":[]}";
    return r;
}

void longpoll_session::poll(std::string last_event_id, poll_callback done) {
    last_poll_ = host_.now();
    if (waiter_) {
        answer_waiter(empty_result());
    }
    if (auto r = take_after(last_event_id)) {
        done(std::move(*r));
        return;
    }
    if (!is_open() || host_.draining() || host_.options().longpoll_hold.count() == 0) {
        done(empty_result());
        return;
    }
    waiter_ = waiter{std::move(last_event_id), std::move(done)};
    hold_timer_.expires_after(host_.options().longpoll_hold);
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
    last_poll_ = host_.now();
    if (is_open()) {
        arm_expiry();
    }
    w.done(std::move(r));
}

void longpoll_session::close(close_reason why) {
    if (!is_open()) {
        return;
    }
    if (why == close_reason::session_killed) {
        emit(cloudevents::make_rig_event("rig.session_killed", nullptr));
    }
    if (waiter_) {
        auto r = take_after(waiter_->last_event_id);
        answer_waiter(r ? std::move(*r) : empty_result());
    }
    expiry_timer_.cancel();
    finish();
}

}  // namespace rig::transport
