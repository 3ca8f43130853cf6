#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "brokers/kafka_connection.hpp"
#include "core/env.hpp"

namespace rig::sources {

// The Kafka event source's settings (spec §12.4), also the broker and security settings the
// node's other Kafka clients share.
struct kafka_options {
    std::string brokers;                           // KAFKA_BROKERS
    std::vector<std::string> topics;               // KAFKA_SOURCE_TOPICS
    std::string group_id = "rig-kafka-to-filter";  // KAFKATOFILTER_KAFKA_GROUP_ID
    std::string sasl_mechanism;  // KAFKA_SASL: plain | scram-sha-256 | scram-sha-512
    std::string sasl_user;
    std::string sasl_password;
    bool ssl = false;                                 // KAFKA_SSL_ENABLED
    std::string ssl_ca_file;                          // KAFKA_SSL_CA_CERTFILE
    std::string ssl_cert_file;                        // KAFKA_SSL_CERTFILE
    std::string ssl_key_file;                         // KAFKA_SSL_KEYFILE
    std::string ssl_key_password;                     // KAFKA_SSL_KEYFILE_PASS
    std::chrono::milliseconds restart_delay{20'000};  // KAFKA_RESTART_DELAY_MS
    bool from_earliest = false;  // RIG_KAFKA_OFFSET_RESET=earliest (new groups; default latest)
    unsigned prefetch_mb = 256;  // RIG_KAFKA_PREFETCH_MB: most pre-fetched bytes held in memory
    unsigned fetch_max_mb = 4;   // RIG_KAFKA_FETCH_MAX_MB: most bytes one fetch response holds
    // Avro (spec §3.4, §8.8): the schema registry decoding and KAFKA_SERIALIZER=avro need.
    std::string schema_registry_host;  // KAFKA_SCHEMA_REGISTRY_HOST: host:port or URL; empty: none
    bool avro_serializer = false;      // KAFKA_SERIALIZER=avro: produce data as Avro
    std::chrono::milliseconds schema_registry_timeout{5'000};  // KAFKA_SCHEMA_REGISTRY_TIMEOUT_MS
    std::chrono::milliseconds schema_registry_backoff_max{
        30'000};  // KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS
    // RIG_KAFKA_AVRO_QUEUE: events waiting for the Avro producer's thread, at most.
    unsigned avro_queue_limit = 10'000;

    // The broker and security settings, which the node's other Kafka clients share.
    rig::brokers::kafka_connection connection() const {
        return {brokers,     sasl_mechanism, sasl_user,    sasl_password,   ssl,
                ssl_ca_file, ssl_cert_file,  ssl_key_file, ssl_key_password};
    }
};

// KAFKA_* and RIG_KAFKA_*: nullopt when KAFKA_BROKERS is unset (Kafka off).
core::result<std::optional<kafka_options>> parse_kafka_options(const core::env& env);

}  // namespace rig::sources
