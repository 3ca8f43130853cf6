#include "proxy/kafka_producer.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "proxy/kafka_partitioner.hpp"

namespace {

using rig::proxy::kafka_producer;
using rig::proxy::kafka_producer_options;

// librdkafka's in-process mock cluster, on loopback sockets.
class mock_cluster {
public:
    explicit mock_cluster(const char* topic, int partitions) {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
        handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        cluster_ = rd_kafka_mock_cluster_new(handle_, 1);
        rd_kafka_mock_topic_create(cluster_, topic, partitions, 1);
    }
    ~mock_cluster() {
        rd_kafka_mock_cluster_destroy(cluster_);
        rd_kafka_destroy(handle_);
    }
    std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

private:
    rd_kafka_t* handle_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

struct consumed {
    int32_t partition = -1;
    std::string value;
    std::map<std::string, std::string> headers;
};

// Reads `count` messages of every partition of `topic` from the start, by key.
std::map<std::string, consumed> consume(const std::string& bootstrap, const char* topic,
                                        int partitions, std::size_t count) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "test", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    std::map<std::string, consumed> out;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (out.size() < count && std::chrono::steady_clock::now() < until) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
        if (m == nullptr) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            consumed c;
            c.partition = m->partition;
            c.value.assign(static_cast<const char*>(m->payload), m->len);
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name = nullptr;
                const void* value = nullptr;
                std::size_t size = 0;
                for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                                        RD_KAFKA_RESP_ERR_NO_ERROR;
                     ++i) {
                    c.headers[name].assign(static_cast<const char*>(value), size);
                }
            }
            const std::string key =
                m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "";
            out[key] = std::move(c);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return out;
}

TEST(KafkaProducer, ProducesToTheMurmur3PartitionWithHeaders) {
    mock_cluster cluster("events", 3);
    rig::proxy::produce_counters counters;
    {
        kafka_producer_options options;
        options.connection.brokers = cluster.bootstrap();
        kafka_producer producer(options, counters);
        const kafka_producer::header headers[] = {{"ce_contenttype", "application/json"}};
        EXPECT_TRUE(producer.produce("events", "hello", R"({"n":1})", headers));
        EXPECT_TRUE(producer.produce("events", "test", R"({"n":2})"));
        for (int i = 0; i < 10; ++i) {
            producer.produce("events", "key" + std::to_string(i), "v");
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (counters.produced() < 12 && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        EXPECT_EQ(counters.produced(), 12u);
        EXPECT_EQ(counters.failed(), 0u);
        const auto counts = counters.counts();
        ASSERT_EQ(counts.size(), 1u);
        EXPECT_EQ(counts[0].topic, "events");
        EXPECT_EQ(counts[0].produced, 12u);
    }
    const auto messages = consume(cluster.bootstrap(), "events", 3, 12);
    ASSERT_EQ(messages.size(), 12u);
    for (int i = 0; i < 10; ++i) {
        const std::string key = "key" + std::to_string(i);
        EXPECT_EQ(messages.at(key).partition, rig::proxy::kafka_partition_for(key, 3)) << key;
    }
    // murmur3("hello") = 0x248bfa47 → 1; murmur3("test") = 0xba6bd213 → 0 (unsigned; 1 if signed).
    EXPECT_EQ(messages.at("hello").partition, 1);
    EXPECT_EQ(messages.at("hello").value, R"({"n":1})");
    EXPECT_EQ(messages.at("hello").headers,
              (std::map<std::string, std::string>{{"ce_contenttype", "application/json"}}));
    EXPECT_EQ(messages.at("test").partition, 0);
    EXPECT_EQ(messages.at("test").value, R"({"n":2})");
    EXPECT_TRUE(messages.at("test").headers.empty());
}

TEST(KafkaProducer, AFullQueueFailsAtOnceAndShutdownCountsTheUndelivered) {
    kafka_producer_options options;
    options.connection.brokers = "127.0.0.1:1";  // nobody answers
    options.queue_limit = 1;
    options.flush_timeout = std::chrono::milliseconds(200);
    rig::proxy::produce_counters counters;
    {
        kafka_producer producer(options, counters);
        EXPECT_TRUE(producer.produce("t", "", "waits"));
        const auto started = std::chrono::steady_clock::now();
        EXPECT_FALSE(producer.produce("t", "", "no room"));
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));
        EXPECT_EQ(counters.failed(), 1u);
    }
    EXPECT_EQ(counters.produced(), 0u);
    EXPECT_EQ(counters.failed(), 2u);
}

TEST(KafkaProducer, RefusesABadConfiguration) {
    kafka_producer_options options;
    options.connection.brokers = "localhost:9092";
    options.connection.ssl = true;
    options.connection.sasl_mechanism = "plain";
    options.connection.ssl_ca_file = "/nonexistent/ca.pem";
    rig::proxy::produce_counters counters;
    EXPECT_THROW((kafka_producer{options, counters}), std::runtime_error);
}

}  // namespace
