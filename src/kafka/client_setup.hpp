#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include "kafka/client_settings.hpp"

// librdkafka plumbing shared by rig's Kafka clients (the event source, the proxy's response
// consumer): configuration and RAII handles. Only the wrappers' .cpp files include this.
namespace rig::kafka {

struct consumer_deleter {
    void operator()(rd_kafka_t* rk) const {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
};
using consumer_ptr = std::unique_ptr<rd_kafka_t, consumer_deleter>;

struct message_deleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;

// Sets one property; on failure says which in `err`.
bool set(rd_kafka_conf_t* conf, const char* key, const std::string& value, std::string& err);

// Sets bootstrap.servers and the security properties (security.protocol, SASL, SSL files).
bool set_client(rd_kafka_conf_t* conf, const client_settings& s, std::string& err);

// Creates a consumer from `conf` (always taken: freed on failure) and subscribes it to
// `topics`, with the consumer's queue as the one rd_kafka_consumer_poll reads.
consumer_ptr start_consumer(rd_kafka_conf_t* conf, const std::vector<std::string>& topics,
                            std::string& err);

}  // namespace rig::kafka
