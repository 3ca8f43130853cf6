#include "proxy/kafka_response_consumer.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "proxy/response_router.hpp"
#include "proxy/response_waiters.hpp"

namespace {

using namespace std::chrono_literals;
using rig::proxy::async_response;
using rig::proxy::correlation_codec;
using rig::proxy::kafka_response_consumer;
using rig::proxy::kafka_response_options;
using rig::proxy::response_router;
using rig::proxy::response_waiters;
namespace asio = boost::asio;

// librdkafka's in-process mock cluster (one broker on a loopback port) and a producer to it.
class mock_kafka {
public:
    explicit mock_kafka(const char* topic) {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
        mock_rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        cluster_ = rd_kafka_mock_cluster_new(mock_rk_, 1);
        rd_kafka_mock_topic_create(cluster_, topic, 1, 1);
        bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
        rd_kafka_conf_t* pconf = rd_kafka_conf_new();
        rd_kafka_conf_set(pconf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
        producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    }
    ~mock_kafka() {
        rd_kafka_flush(producer_, 5000);
        rd_kafka_destroy(producer_);
        rd_kafka_mock_cluster_destroy(cluster_);
        rd_kafka_destroy(mock_rk_);
    }
    mock_kafka(const mock_kafka&) = delete;
    mock_kafka& operator=(const mock_kafka&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }

    void produce(const char* topic, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& value) {
        rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
        for (const auto& [name, v] : headers) {
            rd_kafka_header_add(hdrs, name.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
        }
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            producer_, RD_KAFKA_V_TOPIC(topic),
            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_flush(producer_, 5000);
    }

private:
    rd_kafka_t* mock_rk_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    rd_kafka_t* producer_ = nullptr;
    std::string bootstrap_;
};

TEST(KafkaResponseConsumer, DeliversAResponseWithHeadersToTheWaiter) {
    constexpr const char* topic = "rig-proxy-response";
    mock_kafka kafka(topic);

    response_waiters waiters;
    asio::io_context shard;
    const correlation_codec codec("cookie");
    response_router router(codec, 1, {{shard.get_executor(), &waiters}});

    auto ticket = waiters.add();
    const std::string correlation = codec.encode({1, 0, ticket.id()});
    std::optional<async_response> got;
    bool ended = false;
    asio::co_spawn(
        shard,
        [&waiters, &got, &ended, ticket = std::move(ticket)]() mutable -> asio::awaitable<void> {
            got = co_await waiters.wait(std::move(ticket), 30s);
            ended = true;
        },
        asio::detached);

    kafka_response_options options;
    options.client.brokers = kafka.bootstrap();
    options.from_earliest = true;  // produced before the group has joined: still read
    options.restart_delay = 100ms;
    kafka_response_consumer consumer(options, router);

    kafka.produce(topic, {{"rig-correlation", correlation}}, "no code: skipped");
    kafka.produce(topic,
                  {{"rig-correlation", correlation},
                   {"rig-response-code", "201"},
                   {"content-type", "application/json"},
                   {"x-extra", "yes"}},
                  R"({"async":"body"})");

    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
        shard.run_for(50ms);
        shard.restart();
    }
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 201U);
    EXPECT_EQ(got->body, R"({"async":"body"})");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"content-type", "application/json"}, {"x-extra", "yes"}};
    EXPECT_EQ(got->headers, expected);
    EXPECT_EQ(consumer.counters().consumed, 2U);
    EXPECT_EQ(consumer.counters().malformed, 1U);
    EXPECT_EQ(router.counters().local, 1U);
}

}  // namespace
