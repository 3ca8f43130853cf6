#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
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

// Calls `f(name, value)` for each header of `m`, in order (a header without a value gives an
// empty view). The views live as long as the message.
template <class F>
void for_each_header(const rd_kafka_message_t& m, F&& f) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(&m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return;
    }
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
        f(std::string_view(name),
          value ? std::string_view(static_cast<const char*>(value), size) : std::string_view());
    }
}

}  // namespace rig::kafka
