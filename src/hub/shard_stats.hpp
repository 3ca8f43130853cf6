#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "core/histogram.hpp"

namespace rig::hub {

// rig_delivery_latency_seconds' bucket bounds, in microseconds (100 µs to 10 s).
inline constexpr std::array<uint64_t, 16> delivery_latency_bounds_us{
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

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
    std::atomic<int64_t> sse_h2_connections{0};  // of sse_connections, on HTTP/2 streams
    // Events dropped before reaching a socket, by reason: in the queue of a connection cut as
    // a slow consumer, evicted from a full long-poll buffer, or queued on a closed connection.
    counter dropped_slow_consumer{0};
    counter dropped_queue_full{0};
    counter dropped_closed{0};
    // Publish → socket write of the oldest published event in each gathered write.
    core::histogram delivery_latency{delivery_latency_bounds_us};

    static void add(counter& c, uint64_t n = 1) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    static void add(std::atomic<int64_t>& c, int64_t n) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

}  // namespace rig::hub
