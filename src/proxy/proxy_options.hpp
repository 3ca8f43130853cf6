#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "proxy/api_definition.hpp"

namespace rig::proxy {

// The API gateway's settings (spec §12.3, plus rig's own limits).
struct proxy_options {
    std::vector<api_definition> apis;                 // PROXY_CONFIG_FILE
    std::chrono::milliseconds recv_timeout{5000};     // PROXY_RECV_TIMEOUT: backend answer
    std::chrono::milliseconds connect_timeout{8000};  // RIG_PROXY_CONNECT_TIMEOUT_MS
    uint64_t max_body_bytes = 0;                      // PROXY_MAX_BODY_BYTES (0: unlimited)
    // Bodies that become events (kafka, nats, kinesis targets) are read whole, up to this.
    uint64_t max_event_body_bytes = 1 << 20;  // RIG_MAX_BODY_BYTES
    // Backend answers up to this size are read whole and sent with the client connection kept
    // alive; larger ones (or of unknown length) are streamed through.
    std::size_t buffer_response_bytes = std::size_t{256} * 1024;  // RIG_PROXY_BUFFER_RESPONSE_BYTES
    std::size_t max_idle_per_backend = 64;  // RIG_PROXY_MAX_IDLE_PER_BACKEND (per shard)
    std::size_t max_metric_paths = 1000;    // RIG_PROXY_METRICS_MAX_PATHS
    std::chrono::milliseconds kafka_response_timeout{5000};       // PROXY_KAFKA_RESPONSE_TIMEOUT
    std::chrono::milliseconds http_async_response_timeout{5000};  // PROXY_HTTP_ASYNC_RESPONSE_…
    std::chrono::milliseconds kinesis_response_timeout{5000};     // PROXY_KINESIS_RESPONSE_…
    std::chrono::milliseconds nats_response_timeout{60000};       // PROXY_NATS_RESPONSE_TIMEOUT
    std::vector<std::string> kafka_response_topics{"rig-proxy-response"};
    std::string kafka_response_group = "rig-proxy-response";  // PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID
    std::string kinesis_request_region = "eu-west-1";         // PROXY_KINESIS_REQUEST_REGION
    bool log_console = false;                                 // REQUEST_LOG has console
    bool log_kafka = false;                                   // REQUEST_LOG has kafka
    std::string kafka_log_topic = "rig-request-log";          // KAFKA_LOG_TOPIC
    std::string kafka_log_schema;                             // KAFKA_LOG_SCHEMA
    // rig's own: the stream `response_from: kinesis` answers are read from; empty: none are
    // (RIG's behaviour: such requests wait, then get 504).
    std::string kinesis_response_stream;  // PROXY_KINESIS_RESPONSE_STREAM
};

// PROXY_*, REQUEST_LOG, KAFKA_LOG_* and RIG_PROXY_* (spec §12.3). PROXY_CONFIG_FILE is
// validated whole: any invalid API stops start-up with its validation messages (§8.3).
// `max_event_body_bytes` is rig's own body limit (RIG_MAX_BODY_BYTES); `kafka` and `kinesis`
// say whether those clients are configured, which REQUEST_LOG=kafka and
// PROXY_KINESIS_RESPONSE_STREAM need.
core::result<proxy_options> parse_proxy_options(const core::env& env, uint64_t max_event_body_bytes,
                                                bool kafka, bool kinesis);

}  // namespace rig::proxy
