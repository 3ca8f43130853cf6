#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace rig::tracing {

// Trace context and span export settings (spec §11.3, §12.8), read at start-up.
struct tracing_options {
    // ZIPKIN_ADDR as a full URL of a Zipkin v2 collector's span endpoint; empty: no export.
    std::string zipkin_url;
    std::string service_name = "rig";          // ZIPKIN_SERVICE_NAME
    std::size_t queue_limit = 10000;           // RIG_ZIPKIN_QUEUE: spans waiting to go
    std::size_t batch_size = 100;              // RIG_ZIPKIN_BATCH: spans per POST
    std::chrono::milliseconds interval{1000};  // RIG_ZIPKIN_INTERVAL_MS: longest wait
    std::chrono::milliseconds timeout{5000};   // RIG_ZIPKIN_TIMEOUT_MS: per POST
    std::size_t max_tracestate_bytes = 512;    // RIG_TRACESTATE_MAX_BYTES
    std::string jaeger_host;                   // JAEGER_HOST: only warned about
};

using env_lookup = std::function<std::optional<std::string>(const char* name)>;

// Reads the settings above into `out` (unset ones keep its values); the first bad one's error.
// ZIPKIN_ADDR: an http(s) URL, used as is when it has a path, else with /api/v2/spans appended; a
// bare host:port becomes http://host:port/api/v2/spans. Anything else is a bad_request naming the
// variable.
std::optional<core::error> read_tracing_options(const env_lookup& env, tracing_options& out);

// The collector URL for a ZIPKIN_ADDR value (see load_tracing_options), or an error.
core::result<std::string> zipkin_url(std::string_view addr);

}  // namespace rig::tracing
