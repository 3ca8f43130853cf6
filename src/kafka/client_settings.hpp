#pragma once

#include <string>

namespace rig::kafka {

// How a Kafka client of rig reaches the brokers: KAFKA_BROKERS, KAFKA_SASL, KAFKA_SSL_*
// (spec §9.1). Shared by the event source and the proxy's clients.
struct client_settings {
    std::string brokers;
    std::string sasl_mechanism;  // plain | scram-sha-256 | scram-sha-512; empty: no SASL
    std::string sasl_user;
    std::string sasl_password;
    bool ssl = false;
    std::string ssl_ca_file;
    std::string ssl_cert_file;
    std::string ssl_key_file;
    std::string ssl_key_password;
};

}  // namespace rig::kafka
