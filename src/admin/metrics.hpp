#pragma once

#include <string>
#include <vector>

#include "hub/shard_stats.hpp"
#include "sources/source_status.hpp"

namespace rig::admin {

// Prometheus text exposition of the node's counters, summed over shards.
std::string render_metrics(uint64_t events_published, uint64_t source_batch_waits,
                           const std::vector<const hub::shard_stats*>& shards,
                           const std::vector<const sources::source_status*>& sources);

// {"sources": {"kafka": {"connected": true, "detail": ""}, ...}} and whether all are connected.
std::string render_source_health(const std::vector<const sources::source_status*>& sources,
                                 bool& all_connected);

}  // namespace rig::admin
