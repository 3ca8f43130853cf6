#pragma once

#include <string>

struct rd_kafka_conf_s;

namespace rig::brokers {

// Where a Kafka client connects and how it authenticates (spec §9.1): the settings every Kafka
// client of a node shares, the consumers (sources) and the producer (proxy).
struct kafka_connection {
    std::string brokers;         // KAFKA_BROKERS
    std::string sasl_mechanism;  // KAFKA_SASL: plain | scram-sha-256 | scram-sha-512 (or empty)
    std::string sasl_user;
    std::string sasl_password;
    bool ssl = false;              // KAFKA_SSL_ENABLED
    std::string ssl_ca_file;       // KAFKA_SSL_CA_CERTFILE (empty: not set)
    std::string ssl_cert_file;     // KAFKA_SSL_CERTFILE (empty: not set)
    std::string ssl_key_file;      // KAFKA_SSL_KEYFILE (empty: not set)
    std::string ssl_key_password;  // KAFKA_SSL_KEYFILE_PASS (empty: not set)
};

// Sets one librdkafka property; on failure `err` is "<key>: <why>".
bool set_kafka_property(rd_kafka_conf_s* conf, const char* key, const std::string& value,
                        std::string& err);

// Sets bootstrap.servers, security.protocol and the SASL and SSL properties of `connection`.
// An empty string when it worked, else what librdkafka refused.
std::string configure_kafka_connection(rd_kafka_conf_s* conf, const kafka_connection& connection);

}  // namespace rig::brokers
