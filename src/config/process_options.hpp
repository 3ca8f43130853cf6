#pragma once

#include <optional>
#include <string_view>

#include "config/node_options.hpp"
#include "core/env.hpp"

namespace rig::config {

// The node's own settings: RIG_SHARDS, RIG_MAX_CONNECTIONS, LOG_LEVEL, LOG_FMT,
// RIG_DRAIN_TIMEOUT_MS, NODE_COOKIE, RIG_READY_FILE, RIG_TLS_CA_FILE, RIG_API_KEY,
// RIG_SOURCE_BATCH_WINDOW, RIG_MAX_BATCH_EVENTS and RIG_DASHBOARD_MAX_STREAMS.
std::optional<core::error> read_process_options(const core::env& env, node_options& o);

// EXTRACTORS and RIG_CONFLATION_KEY.
std::optional<core::error> read_extractor_options(const core::env& env, node_options& o);

// LOG_FMT's value, case-insensitive; nullopt when it names no format.
std::optional<log::format> parse_log_format(std::string_view raw);

}  // namespace rig::config
