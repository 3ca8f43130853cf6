#include "transport/connection.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <utility>

#include "cloudevents/rig_event.hpp"
#include "hub/event_history.hpp"
#include "hub/published_event.hpp"

namespace rig::transport {

std::chrono::steady_clock::duration close_grace(bool draining) {
    return draining ? std::chrono::seconds(1) : std::chrono::seconds(5);
}

connection::connection(connection_host& host, kind k,
                       std::unique_ptr<http::response_channel> channel)
    : host_(host), queue_(host.options().max_queue_bytes), channel_(std::move(channel)), kind_(k) {}

connection::~connection() = default;

void connection::enrolled(uint32_t slot, std::string token, uint64_t tick) {
    slot_ = slot;
    token_ = std::move(token);
    opened_tick_ = tick;
}

bool connection::add_session(const std::string& session) {
    if (!is_open() || std::find(sessions_.begin(), sessions_.end(), session) != sessions_.end()) {
        return false;
    }
    sessions_.push_back(session);
    return true;
}

void connection::set_subscriptions(std::vector<subscription::subscription> subs) {
    if (!is_open()) {
        return;
    }
    // The index reads the subscriptions it replaces (to find where they are filed): the old
    // ones live until it has let go of them.
    const auto previous = std::exchange(subs_, std::move(subs));
    (void)subscription_charge_.resize(subs_.size());  // taken before; shrinking always works
    host_.subscriptions_changed(*this);
    emit(cloudevents::make_rig_event("rig.subscriptions_set", subscription::to_json(subs_)));
    if (cursor_ && !subs_.empty()) {
        const std::string cursor = std::move(*cursor_);
        cursor_.reset();
        replay(cursor);
    }
}

void connection::replay(const std::string& cursor) {
    // The index already holds the new subscriptions: an event numbered after the snapshot
    // arrives live; one numbered before it is in the snapshot, and skipped if it arrives live.
    const hub::event_history* history = host_.history();
    auto snap = history != nullptr ? history->after(cursor) : hub::event_history::snapshot{};
    if (!snap.found) {
        hub::shard_stats::add(host_.stats().history_gaps);
        boost::json::object data;
        data["last_event_id"] = cursor;
        emit(cloudevents::make_rig_event("rig.history_gap", std::move(data)));
        return;
    }
    hub::shard_stats::add(host_.stats().history_replays);
    live_from_ = snap.newest + 1;
    // A replay may be longer than the queue's bound (it is bounded by the history): it is
    // not judged by it; live events behind it are.
    replaying_ = true;
    uint64_t n = 0;
    for (const auto& e : snap.events) {
        if (subscription::wants(subs_, e->type(), e->fields())) {
            queue_event(hub::framed(e));
            ++n;
        }
    }
    replaying_ = false;
    hub::shard_stats::add(host_.stats().history_replayed, n);
}

void connection::deliver(const hub::event_ptr& event) {
    if (event->seq() < live_from_) {
        return;  // sent in the replay
    }
    if (!is_open()) {
        // Matched while it closes (the index lets go of it at the end of the round).
        hub::shard_stats::add(host_.stats().dropped_closed);
        return;
    }
    if (oldest_published_ == 0) {
        oldest_published_ = event->published_at();
    }
    queue_event(event);
}

void connection::on_tick(uint64_t tick) {
    if (phase_ == phase::closing) {
        // A client that takes neither its last events nor the end is cut off.
        if (host_.now() > close_deadline_) {
            finish();
        }
        return;
    }
    if (phase_ == phase::open) {
        on_heartbeat(tick);
    }
}

void connection::emit(cloudevents::cloud_event&& ev) {
    static const subscription::extractors none;
    // Without an SSE id: the client's cursor stays the last published event it got.
    queue_event(std::make_shared<const hub::published_event>(std::move(ev), none, false));
}

void connection::emit_connection_create() {
    boost::json::object data;
    data["connection_token"] = token_;
    data["connectionToken"] = token_;
    emit(cloudevents::make_rig_event("rig.connection.create", std::move(data)));
}

void connection::enqueue(core::frame f, bool final) {
    if (phase_ == phase::finished || (phase_ == phase::closing && !final)) {
        return;
    }
    if (replaying_) {
        queue_.push_exempt(std::move(f));
    } else {
        switch (queue_.push(std::move(f))) {
            case frame_queue::verdict::overflow:
                // This frame and those still waiting are lost with the connection.
                hub::shard_stats::add(host_.stats().dropped_slow_consumer,
                                      1 + queue_.pending().size());
                on_overflow();
                return;
            case frame_queue::verdict::conflated:
                // It took the place of a waiting frame: a flush is already due.
                hub::shard_stats::add(host_.stats().conflated_events);
                return;
            case frame_queue::verdict::queued:
                break;
        }
    }
    request_flush();
}

void connection::request_flush() {
    if (channel_ != nullptr && !queue_.writing() && !flush_requested_) {
        // Not now: once the shard has run what is already queued (more deliveries, under
        // load), one gathered write sends everything this connection got meanwhile.
        flush_requested_ = true;
        host_.request_flush(*this);
    }
}

void connection::flush() {
    flush_requested_ = false;
    if (phase_ != phase::finished && !queue_.writing() && queue_.has_pending()) {
        write_now();
    }
}

void connection::write_now() {
    if (oldest_published_ != 0) {
        const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
        const int64_t waited_ns = now - oldest_published_;
        host_.stats().delivery_latency.observe(
            waited_ns > 0 ? static_cast<uint64_t>(waited_ns) / 1000 : 0);
        oldest_published_ = 0;
    }
    channel_->write(queue_.begin_write(), shared_from_this());
}

void connection::on_written(const http::error_code& ec) {
    queue_.end_write();
    if (phase_ == phase::finished) {
        return;
    }
    if (ec) {
        finish();
        return;
    }
    if (queue_.has_pending()) {
        write_now();
        return;
    }
    if (phase_ == phase::closing) {
        after_last_write();
    }
}

void connection::after_last_write() {
    switch (then_) {
        case after_flush::end_channel:
            channel_->end();
            finish();
            break;
        case after_flush::finish:
            finish();
            break;
        case after_flush::wait_for_peer:
            break;
    }
}

void connection::begin_closing(after_flush then) {
    if (phase_ != phase::open) {
        return;
    }
    phase_ = phase::closing;
    then_ = then;
    close_deadline_ = host_.now() + close_grace(host_.draining());
    host_.closing(*this);
    sessions_.clear();
    if (channel_ != nullptr && !queue_.writing() && !queue_.has_pending()) {
        after_last_write();
    }
}

void connection::finish() {
    if (phase_ == phase::finished) {
        return;
    }
    const bool was_open = phase_ == phase::open;
    phase_ = phase::finished;
    if (channel_ != nullptr) {
        channel_->close();
    }
    if (was_open) {
        host_.closing(*this);
        sessions_.clear();
    }
    subscription_charge_.resize(0);
    queue_.clear();
    host_.finished(*this);
}

void connection::watch_peer() {
    channel_->wait_readable(shared_from_this());
}

void connection::on_readable(const http::error_code& ec) {
    if (phase_ == phase::finished) {
        return;
    }
    if (ec) {
        finish();
        return;
    }
    if (on_peer_readable()) {
        watch_peer();
    }
}

std::size_t connection::read_peer(boost::asio::mutable_buffer b, http::error_code& ec) {
    return channel_->read_some(b, ec);
}

}  // namespace rig::transport
