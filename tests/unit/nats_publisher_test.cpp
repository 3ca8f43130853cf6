#include "proxy/nats_publisher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using rig::proxy::nats_publisher;
using rig::proxy::nats_publisher_options;
using rig::proxy::produce_counters;

// Publishing and replies through a real nats-server are covered end to end; here, the
// request bookkeeping with no server reachable (cnats keeps connecting in the background).

nats_publisher_options unreachable() {
    return {{"nats://127.0.0.1:1"}};
}

TEST(NatsPublisher, ARequestWithoutReplyTimesOutOffTheCallersThread) {
    produce_counters counters;
    nats_publisher publisher(unreachable(), counters);
    EXPECT_FALSE(publisher.connected());
    std::atomic<bool> done{false};
    std::atomic<bool> had_reply{true};
    std::thread::id completed_on;
    const auto started = std::chrono::steady_clock::now();
    publisher.request("subject", "{}", std::chrono::milliseconds(100),
                      [&](std::optional<std::string> reply) {
                          had_reply = reply.has_value();
                          completed_on = std::this_thread::get_id();
                          done = true;
                      });
    EXPECT_FALSE(done);
    while (!done && std::chrono::steady_clock::now() - started < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(done);
    EXPECT_FALSE(had_reply);
    EXPECT_NE(completed_on, std::this_thread::get_id());
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));
}

TEST(NatsPublisher, ShutdownCompletesPendingRequests) {
    produce_counters counters;
    std::atomic<int> completed{0};
    {
        nats_publisher publisher(unreachable(), counters);
        for (int i = 0; i < 3; ++i) {
            publisher.request("subject", "{}", std::chrono::minutes(1),
                              [&](std::optional<std::string> reply) {
                                  EXPECT_FALSE(reply.has_value());
                                  ++completed;
                              });
        }
    }
    EXPECT_EQ(completed, 3);
}

TEST(NatsPublisher, RequestsExpireInDeadlineOrder) {
    produce_counters counters;
    nats_publisher publisher(unreachable(), counters);
    std::mutex mutex;
    std::vector<int> order;
    std::atomic<int> completed{0};
    for (int ms : {300, 100, 200}) {
        publisher.request("s", "{}", std::chrono::milliseconds(ms),
                          [&, ms](std::optional<std::string>) {
                              std::lock_guard lock(mutex);
                              order.push_back(ms);
                              ++completed;
                          });
    }
    const auto started = std::chrono::steady_clock::now();
    while (completed < 3 && std::chrono::steady_clock::now() - started < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard lock(mutex);
    EXPECT_EQ(order, (std::vector<int>{100, 200, 300}));
}

}  // namespace
