#include "transport/connection_registry.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "transport/connection.hpp"

namespace rig::transport {

connection_registry::connection_registry(unsigned shard, asio::io_context& io, hub::shard_hub& hub,
                                         const token_codec& tokens,
                                         const transport_options& options)
    : shard_(shard),
      io_(io),
      hub_(hub),
      tokens_(tokens),
      options_(options),
      timer_(std::in_place, io) {}

connection_registry::~connection_registry() = default;

void connection_registry::enroll(const std::shared_ptr<connection>& c,
                                 const std::optional<std::string>& session) {
    // The bucket visited in the current round: visited again one interval from now.
    const std::size_t bucket = tick_ % tick_buckets;
    auto& free = free_slots_[bucket];
    uint32_t s = 0;
    if (!free.empty()) {
        s = free.back();
        free.pop_back();
    } else {
        while (slots_.size() % tick_buckets != bucket) {
            const auto skipped = static_cast<uint32_t>(slots_.size());
            slots_.emplace_back();
            free_slots_[skipped % tick_buckets].push_back(skipped);
        }
        s = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    slots_[s].conn = c;
    ++live_;
    c->enrolled(s,
                tokens_.encode(
                    {tokens_.instance(), static_cast<uint16_t>(shard_), s, slots_[s].generation}),
                tick_);
    hub::shard_stats::add(stats().connections_opened);
    count(*c, 1);
    if (session) {
        join_session(*c, *session);
    }
}

void connection_registry::join_session(connection& c, const std::string& session) {
    if (c.add_session(session)) {
        sessions_of_[session].push_back(&c);
    }
}

std::shared_ptr<connection> connection_registry::find(const connection_address& a) const {
    if (a.shard != shard_ || a.slot >= slots_.size()) {
        return nullptr;
    }
    const auto& s = slots_[a.slot];
    return s.generation == a.generation ? s.conn : nullptr;
}

void connection_registry::kill_session(const std::string& session) {
    auto it = sessions_of_.find(session);
    if (it == sessions_of_.end()) {
        return;
    }
    // Closing leaves the session, which edits the list: work on a copy, holding each one.
    std::vector<std::shared_ptr<connection>> victims;
    for (auto* c : it->second) {
        victims.push_back(c->shared_from_this());
    }
    for (auto& c : victims) {
        c->close(close_reason::session_killed);
    }
}

void connection_registry::request_flush(connection& c) {
    flush_list_.push_back(c.shared_from_this());
}

bool connection_registry::run_flushes() {
    if (flush_list_.empty()) {
        return false;
    }
    // Swap so that flushes requested while flushing wait for the next round.
    flushing_.swap(flush_list_);
    for (auto& conn : flushing_) {
        conn->flush();
    }
    flushing_.clear();
    return true;
}

void connection_registry::subscriptions_changed(connection& c) {
    hub_.set_subscriptions(c, c.subscriptions());
}

void connection_registry::closing(connection& c) {
    for (const auto& session : c.sessions()) {
        auto it = sessions_of_.find(session);
        if (it != sessions_of_.end()) {
            std::erase(it->second, &c);
            if (it->second.empty()) {
                sessions_of_.erase(it);
            }
        }
    }
    // The index may be in the middle of a delivery walk: leave it after this handler. The
    // post holds the connection, which the index must not outlive.
    asio::post(io_, [this, keep = c.shared_from_this()] { hub_.remove(*keep); });
}

void connection_registry::finished(connection& c) {
    const uint32_t s = c.slot();
    if (s >= slots_.size() || slots_[s].conn.get() != &c) {
        return;
    }
    // The slot's reference goes after this handler, never while the connection is running.
    asio::post(io_, [gone = std::move(slots_[s].conn)] {});
    ++slots_[s].generation;
    free_slots_[s % tick_buckets].push_back(s);
    --live_;
    count(c, -1);
    if (draining_ && live_ == 0 && timer_) {
        timer_->cancel();  // the drain is complete on this shard
    }
}

void connection_registry::count(const connection& c, int64_t delta) {
    auto& st = stats();
    switch (c.type()) {
        case connection::kind::sse:
            hub::shard_stats::add(st.sse_connections, delta);
            if (c.http2()) {
                hub::shard_stats::add(st.sse_h2_connections, delta);
            }
            break;
        case connection::kind::ws:
            hub::shard_stats::add(st.ws_connections, delta);
            break;
        case connection::kind::longpoll:
            hub::shard_stats::add(st.longpoll_sessions, delta);
            break;
    }
}

void connection_registry::start() {
    schedule_tick();
}

void connection_registry::schedule_tick() {
    if (draining_ && live_ == 0) {
        return;  // nothing left to watch: let the shard's thread finish
    }
    timer_->expires_after(options_.heartbeat_interval / tick_buckets);
    timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        ++tick_;
        const std::size_t bucket = tick_ % tick_buckets;
        for (std::size_t i = bucket; i < slots_.size(); i += tick_buckets) {
            // on_tick may finish the connection; hold it for the call.
            if (auto c = slots_[i].conn) {
                c->on_tick(tick_);
            }
        }
        schedule_tick();
    });
}

void connection_registry::drain() {
    draining_ = true;
    for (auto& s : slots_) {
        if (auto c = s.conn) {
            c->close(close_reason::shutdown);
        }
    }
    if (live_ == 0) {
        timer_->cancel();
    }
}

void connection_registry::release_io() {
    timer_.reset();
    flush_list_.clear();
    flushing_.clear();
    for (auto& s : slots_) {
        s.conn.reset();
    }
}

}  // namespace rig::transport
