#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

#include "brokers/kafka_connection.hpp"
#include "proxy/produce_counters.hpp"

struct rd_kafka_s;

namespace rig::proxy {

struct kafka_producer_options {
    brokers::kafka_connection connection;  // KAFKA_BROKERS, KAFKA_SSL_*, KAFKA_SASL
    // Messages waiting for their broker, at most; past that, produce fails at once.
    std::size_t queue_limit = 100'000;
    // How long librdkafka keeps trying to deliver one message (retries included).
    std::chrono::milliseconds delivery_timeout{30'000};
    // How long the destructor waits for messages still in flight.
    std::chrono::milliseconds flush_timeout{5'000};
};

// The node's Kafka producer (librdkafka), shared by the proxy's kafka targets and the request
// logger. Produces asynchronously: produce() copies the message into librdkafka's queue and
// returns; a thread of its own serves the delivery reports, which count each message as
// produced or failed per topic. Partitions are chosen by RIG's rule (kafka_partition_for):
// murmur3 of a non-empty key, else a random partition.
//
// @par Thread safety
// produce() may be called from any thread, concurrently.
//
// Lifetime: `counters` must outlive the producer. The destructor waits up to `flush_timeout`
// for the messages in flight, counts the rest as failed, and stops the thread; nothing may call
// produce() once it has begun.
class kafka_producer {
public:
    // Throws std::runtime_error when librdkafka refuses the configuration (start-up only).
    kafka_producer(kafka_producer_options options, produce_counters& counters);
    ~kafka_producer();
    kafka_producer(const kafka_producer&) = delete;
    kafka_producer& operator=(const kafka_producer&) = delete;

    using header = std::pair<std::string_view, std::string_view>;

    // Queues a message to `topic`; never blocks. False (and counted as failed) when it cannot
    // be queued: the local queue is full, or the topic or message is refused outright.
    bool produce(std::string_view topic, std::string_view key, std::string_view value,
                 std::span<const header> headers = {});

private:
    void poll_until_stopped();

    kafka_producer_options options_;
    produce_counters& counters_;
    rd_kafka_s* producer_ = nullptr;
    std::atomic<bool> stop_{false};
    std::thread poll_thread_;
};

}  // namespace rig::proxy
