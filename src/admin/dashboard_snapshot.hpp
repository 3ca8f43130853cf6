#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/histogram.hpp"
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

    // Events forwarded to at least one connection, of one type
    // (rig_consumed_events_forwarded_total).
    struct type_count {
        std::string type;
        uint64_t forwarded = 0;
    };

    std::chrono::steady_clock::time_point at;
    uint64_t events_in = 0;      // events accepted for delivery (hub::hub::published)
    uint64_t http_received = 0;  // of which over HTTP (the sources count their own)
    uint64_t delivered = 0;      // event × connection pairs queued
    int64_t sse = 0;
    int64_t ws = 0;
    int64_t longpolling = 0;
    int64_t subscriptions = 0;
    // Events dropped before a socket, by reason (rig_dropped_events_total), events replaced by
    // conflation, and connections cut as slow consumers.
    uint64_t dropped_slow_consumer = 0;
    uint64_t dropped_queue_full = 0;
    uint64_t dropped_closed = 0;
    uint64_t conflated = 0;
    uint64_t slow_consumer_disconnects = 0;
    // Publish → socket write (rig_delivery_latency_seconds), bounds in microseconds.
    core::histogram::counts latency;
    std::span<const uint64_t> latency_bounds_us = hub::delivery_latency_bounds_us;
    std::vector<type_count> types;
    std::vector<source> sources;
};

// Sums the shards' counters and reads the sources (safe from any thread: relaxed loads);
// `types` is left empty.
dashboard_counters read_dashboard_counters(uint64_t events_published, uint64_t http_received,
                                           const std::vector<const hub::shard_stats*>& shards,
                                           const std::vector<const sources::source_status*>& src,
                                           std::chrono::steady_clock::time_point at);

// The same over the node's hub, now, with the forwarded counts by type.
dashboard_counters read_dashboard_counters(const hub::hub& events, uint64_t http_received,
                                           const std::vector<const sources::source_status*>& src);

// The q-quantile (0 < q < 1) of a histogram in milliseconds, interpolated linearly inside its
// bucket as Prometheus' histogram_quantile does (the last bound when it falls above every
// bound); nullopt with no observations.
std::optional<double> latency_quantile_ms(const core::histogram::counts& c,
                                          std::span<const uint64_t> bounds_us, double q);

// Turns successive readings into the JSON snapshots of one dashboard stream: totals, plus rates
// per second since the previous reading (0 on the first), latency percentiles of the writes
// since then (since start on the first) and the `top_types` most forwarded types by rate.
// One per stream, used by its shard.
class dashboard_sampler {
public:
    static constexpr std::size_t top_types = 10;

    std::string next(dashboard_counters now);

private:
    std::optional<dashboard_counters> previous_;
};

}  // namespace rig::admin
