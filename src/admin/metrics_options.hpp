#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace rig::admin {

// The settings of the Prometheus endpoint (GET :4010/metrics) and of what it counts.
// Parsed once at start-up by parse_metrics_options; immutable afterwards.
struct metrics_options {
    // PROMETHEUS_METRICS_ENABLED (RIG's variable): false answers /metrics with 404.
    bool enabled = true;
    // RIG_METRICS_MAX_EVENT_TYPES: distinct `type` label values of
    // rig_consumed_events_forwarded_total; later types are counted under type="[other]".
    std::size_t max_event_types = 100;
};

// Reads the settings above through `env` (a variable's value, or none when unset) into `out`.
// The error names the variable, e.g. `PROMETHEUS_METRICS_ENABLED: expected true or false, got
// "maybe"`. An unset or empty variable keeps the default.
std::optional<core::error> parse_metrics_options(
    const std::function<std::optional<std::string>(const char*)>& env, metrics_options& out);

}  // namespace rig::admin
