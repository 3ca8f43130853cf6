#pragma once

#include <string>
#include <vector>

#include "core/shared_budget.hpp"
#include "hub/hub.hpp"
#include "hub/shard_stats.hpp"
#include "net/accept_failures.hpp"
#include "net/fd_reserve.hpp"
#include "sources/source_status.hpp"

namespace rig::admin {

// Prometheus text exposition of the node's counters, summed over shards, and of the event
// sources' (per source and topic). `http_received`: events accepted over HTTP.
std::string render_metrics(uint64_t events_published, uint64_t source_batch_waits,
                           uint64_t http_received,
                           const std::vector<const hub::shard_stats*>& shards,
                           const std::vector<const sources::source_status*>& sources);

// rig_consumed_events_forwarded_total{type="..."} (spec §11.1): events delivered to at least
// one connection, once per event, summed over the shards; types past
// RIG_METRICS_MAX_EVENT_TYPES under type="[other]" (shown once it counted something).
std::string render_forwarded(const hub::hub& events);

// {"sources": {"kafka": {"connected": true, "detail": ""}, ...}} and whether all are connected.
std::string render_source_health(const std::vector<const sources::source_status*>& sources,
                                 bool& all_connected);

// The node-wide caps: RIG_MAX_CONNECTIONS over the public listeners and RIG_MAX_SUBSCRIPTIONS
// over every connection (what is held, the cap, and refusals).
std::string render_limit_metrics(const core::shared_budget& connections,
                                 const core::shared_budget& subscriptions);

// rig_accept_failures_total{listener,reason} and the descriptors held back for the internal
// API (rig_fd_reserve_held, of rig_fd_reserve_size).
std::string render_accept_metrics(const net::accept_failures& failures,
                                  const net::fd_reserve& reserve);

}  // namespace rig::admin
