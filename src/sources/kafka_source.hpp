#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "brokers/kafka_connection.hpp"
#include "sources/ingest.hpp"
#include "sources/source_status.hpp"

namespace rig::sources {

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

    // The broker and security settings, which the node's other Kafka clients share.
    rig::brokers::kafka_connection connection() const {
        return {brokers,     sasl_mechanism, sasl_user,    sasl_password,   ssl,
                ssl_ca_file, ssl_cert_file,  ssl_key_file, ssl_key_password};
    }
};

// Consumes CloudEvents from Kafka topics (librdkafka) on a thread of its own and hands them
// to the ingest. Structured and binary mode of the CloudEvents Kafka binding (`ce_` headers),
// versions 0.1 to 1.0. A new consumer group starts at the latest offset; offsets are committed
// automatically once a message has been handed over. Unparseable messages are logged
// (rate-limited), counted and skipped. librdkafka reconnects to brokers by itself; if the
// consumer cannot be created, it is retried after `restart_delay`.
//
// Lifetime: stops and joins its thread, and closes the consumer, in the destructor.
class kafka_source {
public:
    kafka_source(kafka_options options, const ingest& sink, source_status& status);
    ~kafka_source();
    kafka_source(const kafka_source&) = delete;
    kafka_source& operator=(const kafka_source&) = delete;

private:
    void run();

    kafka_options options_;
    const ingest& sink_;
    source_status& status_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace rig::sources
