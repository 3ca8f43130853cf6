#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <vector>

#include "hub/published_event.hpp"
#include "hub/shard_hub.hpp"

namespace rig::hub {

// The node-wide entry point for events: hands one shared event to every shard.
//
// @par Thread safety
// publish() may be called from any thread (shards, broker client threads). The shard list is
// fixed before the first publish.
class hub {
public:
    void add_shard(boost::asio::any_io_executor executor, shard_hub& shard) {
        shards_.push_back({std::move(executor), &shard});
    }

    // Posts the event to every shard; each matches it against its own index. Events
    // published from one thread reach each shard in the order they were published.
    void publish(const event_ptr& event) const {
        published_.fetch_add(1, std::memory_order_relaxed);
        for (const auto& s : shards_) {
            boost::asio::post(s.executor, [h = s.hub, event] { h->deliver(event); });
        }
    }

    uint64_t published() const { return published_.load(std::memory_order_relaxed); }
    std::size_t shard_count() const { return shards_.size(); }
    shard_hub& shard(std::size_t i) const { return *shards_[i].hub; }

private:
    struct entry {
        boost::asio::any_io_executor executor;
        shard_hub* hub;
    };
    std::vector<entry> shards_;
    mutable std::atomic<uint64_t> published_{0};
};

}  // namespace rig::hub
