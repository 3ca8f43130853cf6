#pragma once

#include <atomic>
#include <cstdint>

namespace rig::hub {

// Counters of one shard. Written only by the shard's thread (relaxed atomics, no contention);
// read by the metrics endpoint from another thread, which sums over shards.
struct shard_stats {
    using counter = std::atomic<uint64_t>;
    counter events_published{0};  // events this shard matched
    counter deliveries{0};        // event × connection pairs queued
    counter slow_consumer_disconnects{0};
    counter conflated_events{0};  // events that replaced a waiting one (RIG_CONFLATION_KEY)
    counter connections_opened{0};
    counter history_replays{0};   // resumes served from the history
    counter history_replayed{0};  // events sent in those replays
    counter history_gaps{0};      // resumes whose cursor was not in the history
    std::atomic<int64_t> sse_connections{0};
    std::atomic<int64_t> ws_connections{0};
    std::atomic<int64_t> longpoll_sessions{0};
    std::atomic<int64_t> subscriptions{0};

    static void add(counter& c, uint64_t n = 1) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    static void add(std::atomic<int64_t>& c, int64_t n) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

}  // namespace rig::hub
