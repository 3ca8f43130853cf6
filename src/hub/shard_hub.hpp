#pragma once

#include <memory>
#include <span>

#include "hub/forwarded_types.hpp"
#include "hub/interest_map.hpp"
#include "hub/published_event.hpp"
#include "hub/shard_stats.hpp"
#include "hub/subscriber.hpp"
#include "subscription/subscription_index.hpp"

namespace rig::hub {

// The delivery side of one shard: its subscription index and counters.
//
// @par Thread safety
// Owned by one shard and used only from that shard's thread.
class shard_hub {
public:
    // `ex`: the node's EXTRACTORS, for filing constrained subscriptions by value.
    explicit shard_hub(const subscription::extractors* ex = nullptr) : index_(ex) {
        index_.set_key_observer([this](std::string_view key, bool wildcard, bool added) {
            if (added) {
                interest_.add(key, wildcard);
            } else {
                interest_.remove(key, wildcard);
            }
        });
        index_.set_filing_observer([this](std::string_view type,
                                          const subscription::constraint_key_view* value,
                                          bool added) {
            if (added) {
                interest_.add_filing(type, value);
            } else {
                interest_.remove_filing(type, value);
            }
        });
    }
    shard_hub(const shard_hub&) = delete;
    shard_hub& operator=(const shard_hub&) = delete;
    ~shard_hub() = default;

    // May this shard have a subscriber for `type`? Safe from any thread.
    bool may_match(std::string_view type) const { return interest_.may_match(type); }
    // May this shard have a subscriber for this very event (its type and field values)?
    // Safe from any thread.
    bool may_want(const published_event& e) const {
        return interest_.may_want(e.type(), e.interest());
    }

    // Queues the event on every matching subscriber of this shard (each at most once).
    void deliver(const event_ptr& event) {
        shard_stats::add(stats_.events_published);
        uint64_t n = 0;
        index_.match(event->type(), event->fields(), [&](subscription::index_member& m) {
            static_cast<subscriber&>(m).deliver(event);
            ++n;
        });
        shard_stats::add(stats_.deliveries, n);
        if (n > 0 && forwarded_ && event->first_forward()) {
            forwarded_->count(event->type());
        }
    }

    // Where this shard counts the events it is the first to forward, by type. Set once, by
    // hub::add_shard, before the first delivery.
    void set_forwarded_types(forwarded_types& types) {
        forwarded_ = std::make_unique<forwarded_counts>(types);
    }
    // Null until set_forwarded_types().
    const forwarded_counts* forwarded() const { return forwarded_.get(); }

    void set_subscriptions(subscriber& s, std::span<const subscription::subscription> subs) {
        index_.set(s, subs);
        stats_.subscriptions.store(static_cast<int64_t>(index_.member_entries()),
                                   std::memory_order_relaxed);
    }
    void remove(subscriber& s) {
        index_.clear(s);
        stats_.subscriptions.store(static_cast<int64_t>(index_.member_entries()),
                                   std::memory_order_relaxed);
    }

    shard_stats& stats() { return stats_; }
    const subscription::subscription_index& index() const { return index_; }

private:
    subscription::subscription_index index_;
    interest_map interest_;
    shard_stats stats_;
    std::unique_ptr<forwarded_counts> forwarded_;
};

}  // namespace rig::hub
