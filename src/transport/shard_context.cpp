#include "transport/shard_context.hpp"

#include "transport/connection.hpp"
#include "transport/node_context.hpp"

namespace rig::transport {

shard_context::shard_context(unsigned idx, asio::io_context& ctx, node_context& n)
    : index(idx), io(ctx), node(n), timer_(ctx) {}

shard_context::~shard_context() = default;

connection_address shard_context::add(std::shared_ptr<connection> c) {
    uint32_t s = 0;
    if (!free_slots_.empty()) {
        s = free_slots_.back();
        free_slots_.pop_back();
    } else {
        s = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    slots_[s].conn = std::move(c);
    return {node.tokens.instance(), static_cast<uint16_t>(index), s, slots_[s].generation};
}

void shard_context::remove(uint32_t s) {
    if (s >= slots_.size() || !slots_[s].conn) {
        return;
    }
    // Keep the connection alive until this function is done with the slot.
    auto gone = std::move(slots_[s].conn);
    ++slots_[s].generation;
    free_slots_.push_back(s);
}

std::shared_ptr<connection> shard_context::find(const connection_address& a) const {
    if (a.shard != index || a.slot >= slots_.size()) {
        return nullptr;
    }
    const auto& s = slots_[a.slot];
    return s.generation == a.generation ? s.conn : nullptr;
}

void shard_context::start() {
    schedule_tick();
}

void shard_context::schedule_tick() {
    timer_.expires_after(node.options.heartbeat_interval / tick_buckets);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || draining_) {
            return;
        }
        ++tick_;
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
    timer_.cancel();
    sessions.drain();
    for (auto& s : slots_) {
        if (auto c = s.conn) {
            c->close(close_reason::shutdown);
        }
    }
}

}  // namespace rig::transport
