#include "kafka/client_setup.hpp"

#include <array>

namespace rig::kafka {

bool set(rd_kafka_conf_t* conf, const char* key, const std::string& value, std::string& err) {
    return brokers::set_kafka_property(conf, key, value, err);
}

bool set_client(rd_kafka_conf_t* conf, const client_settings& s, std::string& err) {
    err = brokers::configure_kafka_connection(conf, s);
    return err.empty();
}

consumer_ptr start_consumer(rd_kafka_conf_t* conf, const std::vector<std::string>& topics,
                            std::string& err) {
    std::array<char, 512> buf{};
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, buf.data(), buf.size());
    if (rk == nullptr) {
        err = buf.data();
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
