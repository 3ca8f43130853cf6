#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rig::tracing {

// One finished span as Zipkin v2 describes it (https://zipkin.io/zipkin-api/): ids in
// lowercase hex, times in microseconds since the Unix epoch. A plain value handed from the
// thread that finished it to the exporter thread.
struct span {
    std::string trace_id;   // 32 hex digits
    std::string id;         // 16 hex digits
    std::string parent_id;  // 16 hex digits; empty for a root span
    std::string name;
    std::string_view kind;  // "SERVER", "CONSUMER", ... (a string literal)
    uint64_t timestamp_us = 0;
    uint64_t duration_us = 0;
    std::vector<std::pair<std::string, std::string>> tags;
};

// Microseconds since the Unix epoch, now.
uint64_t now_us();

// The Zipkin v2 JSON body (an array) for `spans`, each with localEndpoint.serviceName
// `service_name`. Durations below 1 µs are sent as 1 (Zipkin drops a 0 duration).
std::string zipkin_json(const std::vector<span>& spans, std::string_view service_name);

}  // namespace rig::tracing
