#include "config/check_config.hpp"

#include <librdkafka/rdkafka.h>

#include <fstream>
#include <string>

#include "brokers/kafka_connection.hpp"

namespace rig::config {
namespace {

std::optional<core::error> unreadable(const char* name, const std::string& path) {
    if (path.empty() || std::ifstream(path).good()) {
        return std::nullopt;
    }
    return core::bad_request(std::string(name) + ": cannot read the file \"" + path + "\"");
}

}  // namespace

std::optional<core::error> check_before_start(const node_options& options) {
    if (!options.kafka) {
        return std::nullopt;
    }
    const auto& k = *options.kafka;
    if (k.ssl) {
        for (auto [name, path] : {std::pair{"KAFKA_SSL_CA_CERTFILE", &k.ssl_ca_file},
                                  {"KAFKA_SSL_CERTFILE", &k.ssl_cert_file},
                                  {"KAFKA_SSL_KEYFILE", &k.ssl_key_file}}) {
            if (auto e = unreadable(name, *path)) {
                return e;
            }
        }
    }
    // The same properties the Kafka clients set; a configuration object starts no thread.
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string err = brokers::configure_kafka_connection(conf, k.connection());
    rd_kafka_conf_destroy(conf);
    if (!err.empty()) {
        return core::bad_request("KAFKA_BROKERS: " + err);
    }
    return std::nullopt;
}

}  // namespace rig::config
