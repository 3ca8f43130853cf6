#include "sources/kafka_options.hpp"

#include "core/text.hpp"

namespace rig::sources {
namespace {

// A KAFKA_SSL_* file: RIG's default name when the variable is unset; set but empty, none
// (that option is not given to librdkafka: RIG's Azure Event Hubs set-up sets only a CA).
std::string ssl_setting(const core::env& env, const char* name, const char* fallback) {
    const auto raw = env.raw(name);
    return raw ? std::string(core::trim(*raw)) : std::string(fallback);
}

}  // namespace

core::result<std::optional<kafka_options>> parse_kafka_options(const core::env& env) {
    const auto brokers = env.get("KAFKA_BROKERS");
    if (!brokers) {
        return std::optional<kafka_options>();
    }
    kafka_options k;
    k.brokers = *brokers;
    k.topics = core::split_list(env.value("KAFKA_SOURCE_TOPICS", "rig"));
    k.group_id = env.value("KAFKATOFILTER_KAFKA_GROUP_ID", "rig-kafka-to-filter");
    if (auto sasl = env.get("KAFKA_SASL")) {
        const std::string& raw = *sasl;
        const auto c1 = raw.find(':');
        const auto c2 = c1 == std::string::npos ? c1 : raw.find(':', c1 + 1);
        const std::string mech = core::lower(raw.substr(0, c1));
        if (c2 == std::string::npos ||
            (mech != "plain" && mech != "scram-sha-256" && mech != "scram-sha-512")) {
            return core::bad_setting(
                "KAFKA_SASL",
                "expected plain:USER:PASSWORD (or scram-sha-256:..., scram-sha-512:...)",
                "<hidden>");
        }
        k.sasl_mechanism = mech;
        k.sasl_user = raw.substr(c1 + 1, c2 - c1 - 1);
        k.sasl_password = raw.substr(c2 + 1);
    }
    const auto ssl = core::parse_bool(env.value("KAFKA_SSL_ENABLED", "false"));
    if (!ssl) {
        return core::bad_setting("KAFKA_SSL_ENABLED", "expected true or false",
                                 env.value("KAFKA_SSL_ENABLED", ""));
    }
    k.ssl = *ssl;
    if (k.ssl) {
        k.ssl_ca_file = ssl_setting(env, "KAFKA_SSL_CA_CERTFILE", "ca.crt.pem");
        k.ssl_cert_file = ssl_setting(env, "KAFKA_SSL_CERTFILE", "client.crt.pem");
        k.ssl_key_file = ssl_setting(env, "KAFKA_SSL_KEYFILE", "client.key.pem");
        k.ssl_key_password = env.value("KAFKA_SSL_KEYFILE_PASS", "");
    }
    if (auto e = env.read_ms("KAFKA_RESTART_DELAY_MS", k.restart_delay, 0)) {
        return *e;
    }
    const std::string reset = core::lower(env.value("RIG_KAFKA_OFFSET_RESET", "latest"));
    if (reset != "latest" && reset != "earliest") {
        return core::bad_setting("RIG_KAFKA_OFFSET_RESET", "expected latest or earliest",
                                 env.value("RIG_KAFKA_OFFSET_RESET", ""));
    }
    k.from_earliest = reset == "earliest";
    if (auto e = env.read_uint("RIG_KAFKA_PREFETCH_MB", k.prefetch_mb, 1, 2047,
                               "expected megabytes (1-2047)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_KAFKA_FETCH_MAX_MB", k.fetch_max_mb, 1, 1024,
                               "expected megabytes (1-1024)")) {
        return *e;
    }
    k.schema_registry_host = env.value("KAFKA_SCHEMA_REGISTRY_HOST", "");
    const std::string serializer = core::lower(env.value("KAFKA_SERIALIZER", ""));
    if (!serializer.empty() && serializer != "avro") {
        return core::bad_setting("KAFKA_SERIALIZER", "expected avro, or unset for JSON",
                                 env.value("KAFKA_SERIALIZER", ""));
    }
    k.avro_serializer = serializer == "avro";
    if (k.avro_serializer && k.schema_registry_host.empty()) {
        return core::bad_setting("KAFKA_SERIALIZER",
                                 "avro needs KAFKA_SCHEMA_REGISTRY_HOST (the schema registry)",
                                 serializer);
    }
    if (auto e = env.read_ms("KAFKA_SCHEMA_REGISTRY_TIMEOUT_MS", k.schema_registry_timeout, 1)) {
        return *e;
    }
    if (auto e =
            env.read_ms("KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS", k.schema_registry_backoff_max, 1)) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_KAFKA_AVRO_QUEUE", k.avro_queue_limit, 1, 10'000'000,
                               "expected events (1-10000000)")) {
        return *e;
    }
    return std::optional<kafka_options>(std::move(k));
}

}  // namespace rig::sources
