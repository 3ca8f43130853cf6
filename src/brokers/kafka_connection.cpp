#include "brokers/kafka_connection.hpp"

#include <librdkafka/rdkafka.h>

#include <array>

namespace rig::brokers {

bool set_kafka_property(rd_kafka_conf_t* conf, const char* key, const std::string& value,
                        std::string& err) {
    std::array<char, 512> buf{};
    if (rd_kafka_conf_set(conf, key, value.c_str(), buf.data(), buf.size()) != RD_KAFKA_CONF_OK) {
        err = std::string(key) + ": " + buf.data();
        return false;
    }
    return true;
}

std::string configure_kafka_connection(rd_kafka_conf_t* conf, const kafka_connection& c) {
    std::string err;
    bool ok = set_kafka_property(conf, "bootstrap.servers", c.brokers, err);
    if (ok && !c.sasl_mechanism.empty()) {
        const std::string mech = c.sasl_mechanism == "plain"           ? "PLAIN"
                                 : c.sasl_mechanism == "scram-sha-256" ? "SCRAM-SHA-256"
                                                                       : "SCRAM-SHA-512";
        ok = set_kafka_property(conf, "security.protocol", c.ssl ? "sasl_ssl" : "sasl_plaintext",
                                err) &&
             set_kafka_property(conf, "sasl.mechanism", mech, err) &&
             set_kafka_property(conf, "sasl.username", c.sasl_user, err) &&
             set_kafka_property(conf, "sasl.password", c.sasl_password, err);
    } else if (ok && c.ssl) {
        ok = set_kafka_property(conf, "security.protocol", "ssl", err);
    }
    // An empty file setting skips that option (a CA alone, e.g. for Azure Event Hubs).
    if (ok && c.ssl) {
        ok = (c.ssl_ca_file.empty() ||
              set_kafka_property(conf, "ssl.ca.location", c.ssl_ca_file, err)) &&
             (c.ssl_cert_file.empty() ||
              set_kafka_property(conf, "ssl.certificate.location", c.ssl_cert_file, err)) &&
             (c.ssl_key_file.empty() ||
              set_kafka_property(conf, "ssl.key.location", c.ssl_key_file, err)) &&
             (c.ssl_key_password.empty() ||
              set_kafka_property(conf, "ssl.key.password", c.ssl_key_password, err));
    }
    return ok ? std::string() : err;
}

}  // namespace rig::brokers
