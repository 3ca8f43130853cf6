#include "kafka/client_setup.hpp"

namespace rig::kafka {

bool set(rd_kafka_conf_t* conf, const char* key, const std::string& value, std::string& err) {
    char buf[512];
    if (rd_kafka_conf_set(conf, key, value.c_str(), buf, sizeof buf) != RD_KAFKA_CONF_OK) {
        err = std::string(key) + ": " + buf;
        return false;
    }
    return true;
}

bool set_client(rd_kafka_conf_t* conf, const client_settings& s, std::string& err) {
    bool ok = set(conf, "bootstrap.servers", s.brokers, err);
    if (ok && !s.sasl_mechanism.empty()) {
        const std::string mech = s.sasl_mechanism == "plain"           ? "PLAIN"
                                 : s.sasl_mechanism == "scram-sha-256" ? "SCRAM-SHA-256"
                                                                       : "SCRAM-SHA-512";
        ok = set(conf, "security.protocol", s.ssl ? "sasl_ssl" : "sasl_plaintext", err) &&
             set(conf, "sasl.mechanism", mech, err) &&
             set(conf, "sasl.username", s.sasl_user, err) &&
             set(conf, "sasl.password", s.sasl_password, err);
    } else if (ok && s.ssl) {
        ok = set(conf, "security.protocol", "ssl", err);
    }
    if (ok && s.ssl) {
        ok = (s.ssl_ca_file.empty() || set(conf, "ssl.ca.location", s.ssl_ca_file, err)) &&
             (s.ssl_cert_file.empty() ||
              set(conf, "ssl.certificate.location", s.ssl_cert_file, err)) &&
             (s.ssl_key_file.empty() || set(conf, "ssl.key.location", s.ssl_key_file, err)) &&
             (s.ssl_key_password.empty() || set(conf, "ssl.key.password", s.ssl_key_password, err));
    }
    return ok;
}

consumer_ptr start_consumer(rd_kafka_conf_t* conf, const std::vector<std::string>& topics,
                            std::string& err) {
    char buf[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, buf, sizeof buf);
    if (rk == nullptr) {
        err = buf;
        rd_kafka_conf_destroy(conf);  // rd_kafka_new frees conf only on success
        return nullptr;
    }
    consumer_ptr consumer(rk);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) {
        rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    const rd_kafka_resp_err_t sub = rd_kafka_subscribe(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (sub != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = std::string("subscribe: ") + rd_kafka_err2str(sub);
        return nullptr;
    }
    return consumer;
}

}  // namespace rig::kafka
