#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/shard_stats.hpp"
#include "sources/source_status.hpp"

namespace rig::hub {
class hub;
}

namespace rig::admin {

// The node's counters at one instant, as the live dashboard shows them: read from the same
// relaxed per-shard counters /metrics reads (summed over shards) and the sources' health.
struct dashboard_counters {
    struct source {
        std::string name;
        bool connected = false;
        std::string detail;
        uint64_t consumed = 0;
        uint64_t failed = 0;
    };

    std::chrono::steady_clock::time_point at;
    uint64_t events_in = 0;  // events accepted for delivery (hub::hub::published)
    uint64_t delivered = 0;  // event × connection pairs queued
    int64_t sse = 0;
    int64_t ws = 0;
    int64_t longpolling = 0;
    int64_t subscriptions = 0;
    uint64_t slow_consumer_disconnects = 0;  // dropped: connections cut for lagging
    uint64_t conflated = 0;                  // dropped: events replaced by a newer one
    std::vector<source> sources;
};

// Sums the shards' counters and reads the sources (safe from any thread: relaxed loads).
dashboard_counters read_dashboard_counters(uint64_t events_published,
                                           const std::vector<const hub::shard_stats*>& shards,
                                           const std::vector<const sources::source_status*>& src,
                                           std::chrono::steady_clock::time_point at);

// The same over the node's hub, now.
dashboard_counters read_dashboard_counters(const hub::hub& events,
                                           const std::vector<const sources::source_status*>& src);

// Turns successive readings into the JSON snapshots of one dashboard stream: totals, plus rates
// per second since the previous reading (0 on the first). One per stream, used by its shard.
class dashboard_sampler {
public:
    std::string next(dashboard_counters now);

private:
    std::optional<dashboard_counters> previous_;
};

}  // namespace rig::admin
