#pragma once

#include <string>
#include <vector>

#include "hub/shard_stats.hpp"

namespace rig::admin {

// Prometheus text exposition of the node's counters, summed over shards.
std::string render_metrics(uint64_t events_published,
                           const std::vector<const hub::shard_stats*>& shards);

}  // namespace rig::admin
