#include "proxy/proxy_options.hpp"

#include "core/text.hpp"
#include "proxy/proxy_config.hpp"

namespace rig::proxy {

core::result<proxy_options> parse_proxy_options(const core::env& env, uint64_t max_event_body_bytes,
                                                bool kafka, bool kinesis) {
    proxy_options p;
    p.max_event_body_bytes = max_event_body_bytes;
    if (auto v = env.get("PROXY_CONFIG_FILE")) {
        auto apis = load_proxy_config(*v);
        if (!apis) {
            return core::bad_request("PROXY_CONFIG_FILE: " + apis.error().message);
        }
        p.apis = std::move(*apis);
    }
    for (auto [name, out] : {std::pair{"PROXY_RECV_TIMEOUT", &p.recv_timeout},
                             {"RIG_PROXY_CONNECT_TIMEOUT_MS", &p.connect_timeout},
                             {"PROXY_KAFKA_RESPONSE_TIMEOUT", &p.kafka_response_timeout},
                             {"PROXY_HTTP_ASYNC_RESPONSE_TIMEOUT", &p.http_async_response_timeout},
                             {"PROXY_KINESIS_RESPONSE_TIMEOUT", &p.kinesis_response_timeout},
                             {"PROXY_NATS_RESPONSE_TIMEOUT", &p.nats_response_timeout}}) {
        if (auto e = env.read_ms(name, *out, 1)) {
            return *e;
        }
    }
    if (auto e = env.read_uint("PROXY_MAX_BODY_BYTES", p.max_body_bytes, 0, UINT64_MAX,
                               "expected a size in bytes (0: unlimited)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_PROXY_BUFFER_RESPONSE_BYTES", p.buffer_response_bytes, 0,
                               1ULL << 30, "expected a size in bytes")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_PROXY_MAX_IDLE_PER_BACKEND", p.max_idle_per_backend, 0, 100'000,
                               "expected a connection count")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_PROXY_METRICS_MAX_PATHS", p.max_metric_paths, 1, 1'000'000,
                               "expected a count of paths (1-1000000)")) {
        return *e;
    }
    if (auto v = env.get("PROXY_KAFKA_RESPONSE_TOPICS")) {
        p.kafka_response_topics = core::split_list(*v);
    }
    p.kafka_response_group =
        env.value("PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID", p.kafka_response_group);
    p.kinesis_request_region = env.value("PROXY_KINESIS_REQUEST_REGION", p.kinesis_request_region);
    if (auto v = env.get("PROXY_KINESIS_RESPONSE_STREAM")) {
        if (!kinesis) {
            return core::bad_setting("PROXY_KINESIS_RESPONSE_STREAM", "needs KINESIS_ENABLED",
                                     *env.raw("PROXY_KINESIS_RESPONSE_STREAM"));
        }
        p.kinesis_response_stream = *v;
    }
    p.kafka_log_topic = env.value("KAFKA_LOG_TOPIC", p.kafka_log_topic);
    p.kafka_log_schema = env.value("KAFKA_LOG_SCHEMA", p.kafka_log_schema);
    if (auto v = env.get("REQUEST_LOG")) {
        const std::string raw = *env.raw("REQUEST_LOG");
        for (const auto& item : core::split_list(*v)) {
            const std::string sink = core::lower(item);
            if (sink == "console") {
                p.log_console = true;
            } else if (sink == "kafka") {
                p.log_kafka = true;
            } else {
                return core::bad_setting("REQUEST_LOG", "expected a list of console and kafka",
                                         raw);
            }
        }
        if (p.log_kafka && !kafka) {
            return core::bad_setting("REQUEST_LOG", "kafka needs KAFKA_BROKERS", raw);
        }
    }
    return p;
}

}  // namespace rig::proxy
