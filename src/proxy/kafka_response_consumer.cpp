#include "proxy/kafka_response_consumer.hpp"

#include <librdkafka/rdkafka.h>

#include <vector>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "kafka/client_setup.hpp"
#include "proxy/response_messages.hpp"
#include "proxy/response_router.hpp"

namespace rig::proxy {
namespace {

log::rate_limited consumer_log{5};

void on_error(rd_kafka_t*, int err, const char* reason, void*) {
    consumer_log.info("kafka responses: {}: {}",
                      rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
    if (level <= 4) {
        consumer_log.info("kafka responses: {}: {}", facility, message);
    }
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* counters = static_cast<kafka_response_consumer::stats*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, partitions);
        counters->assigned.store(partitions->cnt, std::memory_order_relaxed);
    } else {
        rd_kafka_assign(rk, nullptr);
        counters->assigned.store(0, std::memory_order_relaxed);
    }
}

kafka::consumer_ptr create_consumer(const kafka_response_options& o,
                                    kafka_response_consumer::stats& counters, std::string& err) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const bool ok =
        kafka::set_client(conf, o.client, err) && kafka::set(conf, "group.id", o.group_id, err) &&
        kafka::set(conf, "auto.offset.reset", o.from_earliest ? "earliest" : "latest", err) &&
        kafka::set(conf, "enable.auto.commit", "true", err) &&
        kafka::set(conf, "enable.partition.eof", "false", err) &&
        kafka::set(conf, "client.id", "rig-proxy-response", err) &&
        kafka::set(conf, "reconnect.backoff.max.ms", "2000", err) &&
        // A waiting client is on the other end: fetch as soon as a response is there.
        kafka::set(conf, "fetch.wait.max.ms", "10", err);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return nullptr;
    }
    rd_kafka_conf_set_opaque(conf, &counters);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_log_cb(conf, on_log);
    return kafka::start_consumer(conf, o.topics, err);
}

// The record as a response message, or nothing if it is malformed.
std::optional<correlated_response> parse(const rd_kafka_message_t& m) {
    std::vector<message_header> headers;
    kafka::for_each_header(m, [&headers](std::string_view name, std::string_view value) {
        headers.push_back({name, value});
    });
    const std::string_view payload(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
    return parse_kafka_response(headers, payload);
}

}  // namespace

kafka_response_consumer::kafka_response_consumer(kafka_response_options options,
                                                 response_router& router)
    : options_(std::move(options)), router_(router) {
    thread_ = core::named_thread("rig-kafka-rsp", [this] { run(); });
}

kafka_response_consumer::~kafka_response_consumer() {
    stop_ = true;
    thread_.join();
}

void kafka_response_consumer::run() {
    while (!stop_) {
        std::string err;
        kafka::consumer_ptr consumer = create_consumer(options_, stats_, err);
        if (!consumer) {
            log::error("kafka responses: cannot start the consumer: {}; retrying in {} ms", err,
                       options_.restart_delay.count());
            const auto until = std::chrono::steady_clock::now() + options_.restart_delay;
            while (!stop_ && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        log::info("kafka responses: consuming {} topic(s) from {} as group {}",
                  options_.topics.size(), options_.client.brokers, options_.group_id);
        while (!stop_) {
            const kafka::message_ptr m(rd_kafka_consumer_poll(consumer.get(), 100));
            if (!m) {
                continue;
            }
            if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    consumer_log.info("kafka responses: consumer: {}",
                                      rd_kafka_message_errstr(m.get()));
                }
                continue;
            }
            stats_.consumed.fetch_add(1, std::memory_order_relaxed);
            auto message = parse(*m);
            if (!message) {
                stats_.malformed.fetch_add(1, std::memory_order_relaxed);
                consumer_log.info(
                    "kafka responses: skipping a record on {} [{}] at offset {}: no "
                    "rig-correlation or no valid rig-response-code",
                    rd_kafka_topic_name(m->rkt), m->partition, m->offset);
                continue;
            }
            router_.deliver(std::move(*message));
        }
    }
}

}  // namespace rig::proxy
