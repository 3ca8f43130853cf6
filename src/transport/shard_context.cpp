#include "transport/shard_context.hpp"

#include <algorithm>

#include "transport/connection.hpp"
#include "transport/node_context.hpp"

namespace rig::transport {

shard_context::shard_context(unsigned idx, asio::io_context& ctx, node_context& n)
    : index(idx),
      io(ctx),
      node(n),
      hub(n.extractors),
      clients(ctx, n.outbound_tls),
      timer_(std::in_place, ctx) {}

shard_context::~shard_context() = default;

connection_address shard_context::add(std::shared_ptr<connection> c) {
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
    slots_[s].conn = std::move(c);
    ++live_;
    return {node.tokens.instance(), static_cast<uint16_t>(index), s, slots_[s].generation};
}

void shard_context::remove(uint32_t s) {
    if (s >= slots_.size() || !slots_[s].conn) {
        return;
    }
    // Keep the connection alive until this function is done with the slot.
    auto gone = std::move(slots_[s].conn);
    ++slots_[s].generation;
    free_slots_[s % tick_buckets].push_back(s);
    --live_;
    if (draining_ && live_ == 0 && timer_) {
        timer_->cancel();  // the drain is complete on this shard
    }
}

std::shared_ptr<connection> shard_context::find(const connection_address& a) const {
    if (a.shard != index || a.slot >= slots_.size()) {
        return nullptr;
    }
    const auto& s = slots_[a.slot];
    return s.generation == a.generation ? s.conn : nullptr;
}

void shard_context::associate(const std::string& session, connection* c) {
    auto& list = sessions_of_[session];
    if (std::find(list.begin(), list.end(), c) == list.end()) {
        list.push_back(c);
    }
}

void shard_context::dissociate(const std::string& session, connection* c) {
    auto it = sessions_of_.find(session);
    if (it == sessions_of_.end()) {
        return;
    }
    std::erase(it->second, c);
    if (it->second.empty()) {
        sessions_of_.erase(it);
    }
}

void shard_context::kill_session(const std::string& session) {
    auto it = sessions_of_.find(session);
    if (it == sessions_of_.end()) {
        return;
    }
    // Closing dissociates, which edits the list: work on a copy, holding each connection.
    std::vector<std::shared_ptr<connection>> victims;
    for (auto* c : it->second) {
        victims.push_back(c->shared_from_this());
    }
    for (auto& c : victims) {
        c->close(close_reason::session_killed);
    }
}

bool shard_context::run_flushes() {
    if (flush_list_.empty()) {
        return false;
    }
    // Swap so that flushes scheduled while flushing wait for the next round.
    flushing_.swap(flush_list_);
    for (auto& conn : flushing_) {
        conn->flush();
    }
    flushing_.clear();
    return true;
}

void shard_context::start() {
    schedule_tick();
}

void shard_context::schedule_tick() {
    if (draining_ && live_ == 0) {
        return;  // nothing left to watch: let the shard's thread finish
    }
    timer_->expires_after(node.options.heartbeat_interval / tick_buckets);
    timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        ++tick_;
        if (index == 0 && node.blacklist != nullptr && tick_ % (4 * tick_buckets) == 0) {
            node.blacklist->purge();  // expired entries go (lookups ignore them anyway)
        }
        const std::size_t bucket = tick_ % tick_buckets;
        for (std::size_t i = bucket; i < slots_.size(); i += tick_buckets) {
            // on_tick may close the connection; hold it for the call.
            if (auto c = slots_[i].conn) {
                c->on_tick(tick_);
            }
        }
        schedule_tick();
    });
}

void shard_context::drain() {
    draining_ = true;
    sessions.drain();
    for (auto& s : slots_) {
        if (auto c = s.conn) {
            c->close(close_reason::shutdown);
        }
    }
    if (live_ == 0) {
        timer_->cancel();
    }
}

void shard_context::release_io() {
    timer_.reset();
    flush_list_.clear();
    flushing_.clear();
    for (auto& s : slots_) {
        s.conn.reset();
    }
    clients.close_idle();
}

}  // namespace rig::transport
