#include "proxy/kafka_producer.hpp"

#include <librdkafka/rdkafka.h>

#include <array>
#include <stdexcept>
#include <string>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "proxy/kafka_partitioner.hpp"

namespace rig::proxy {
namespace {

log::rate_limited producer_log{5};

// librdkafka's partitioner hook: RIG's rule instead of Kafka's default murmur2.
int32_t partition_by_murmur3(const rd_kafka_topic_t*, const void* key, size_t key_size,
                             int32_t partition_count, void*, void*) {
    return kafka_partition_for(key == nullptr
                                   ? std::string_view()
                                   : std::string_view(static_cast<const char*>(key), key_size),
                               partition_count);
}

// Runs on the poll thread: each message was given its topic's counter as opaque.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    static_cast<produce_counters::topic_counter*>(m->_private)->count(m->err == 0);
    if (m->err != 0) {
        producer_log.info("kafka: could not produce to {}: {}", rd_kafka_topic_name(m->rkt),
                          rd_kafka_err2str(m->err));
    }
}

void on_error(rd_kafka_t*, int err, const char* reason, void*) {
    producer_log.info("kafka producer: {}: {}",
                      rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
    if (level <= 4) {
        producer_log.info("kafka producer: {}: {}", facility, message);
    }
}

}  // namespace

kafka_producer::kafka_producer(kafka_producer_options options, produce_counters& counters)
    : options_(std::move(options)), counters_(counters) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::string err = brokers::configure_kafka_connection(conf, options_.connection);
    const auto set = [&](const char* key, const std::string& value) {
        return err.empty() && brokers::set_kafka_property(conf, key, value, err);
    };
    set("client.id", "rig");
    set("linger.ms", "5");
    set("queue.buffering.max.messages", std::to_string(options_.queue_limit));
    set("message.timeout.ms", std::to_string(options_.delivery_timeout.count()));
    // Messages without a key would otherwise stick to one partition for a while instead of
    // reaching the partitioner, which picks a random one for each (as RIG does).
    set("sticky.partitioning.linger.ms", "0");
    if (!err.empty()) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error("kafka producer: " + err);
    }
    // The topic settings above (message.timeout.ms) went into the default topic
    // configuration; the partitioner joins them there rather than replacing them.
    rd_kafka_topic_conf_t* topic_conf = rd_kafka_conf_get_default_topic_conf(conf);
    if (topic_conf == nullptr) {
        topic_conf = rd_kafka_topic_conf_new();
        rd_kafka_conf_set_default_topic_conf(conf, topic_conf);
    }
    rd_kafka_topic_conf_set_partitioner_cb(topic_conf, partition_by_murmur3);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    std::array<char, 512> buf{};
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, buf.data(), buf.size());
    if (producer_ == nullptr) {
        rd_kafka_conf_destroy(conf);  // rd_kafka_new frees conf only on success
        throw std::runtime_error(std::string("kafka producer: ") + buf.data());
    }
    poll_thread_ = core::named_thread("rig-kafka-out", [this] { poll_until_stopped(); });
}

kafka_producer::~kafka_producer() {
    stop_ = true;
    poll_thread_.join();
    // flush serves the delivery reports itself, now on this thread.
    if (rd_kafka_flush(producer_, static_cast<int>(options_.flush_timeout.count())) != 0) {
        log::warn("kafka producer: {} message(s) not delivered at shutdown",
                  rd_kafka_outq_len(producer_));
        rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(producer_, 500);  // their reports count them as failed
    }
    rd_kafka_destroy(producer_);
}

void kafka_producer::poll_until_stopped() {
    while (!stop_.load(std::memory_order_relaxed)) {
        rd_kafka_poll(producer_, 100);
    }
}

bool kafka_producer::produce(std::string_view topic, std::string_view key, std::string_view value,
                             std::span<const header> headers) {
    auto& counter = counters_.counter(topic);
    rd_kafka_headers_t* message_headers = nullptr;
    if (!headers.empty()) {
        message_headers = rd_kafka_headers_new(headers.size());
        for (const auto& [name, v] : headers) {
            rd_kafka_header_add(message_headers, name.data(), static_cast<ssize_t>(name.size()),
                                v.data(), static_cast<ssize_t>(v.size()));
        }
    }
    const std::string topic_name(topic);
    const rd_kafka_resp_err_t rc = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(message_headers),
        RD_KAFKA_V_OPAQUE(&counter), RD_KAFKA_V_END);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // On failure the headers were not taken over.
        if (message_headers != nullptr) {
            rd_kafka_headers_destroy(message_headers);
        }
        counter.count(false);
        producer_log.info("kafka: could not queue a message to {}: {}", topic,
                          rd_kafka_err2str(rc));
        return false;
    }
    return true;
}

}  // namespace rig::proxy
