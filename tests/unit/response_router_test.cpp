#include "proxy/response_router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "proxy/response_waiters.hpp"
#include "transport/connection_token.hpp"

namespace {

using namespace std::chrono_literals;
using rig::proxy::async_response;
using rig::proxy::correlation_codec;
using rig::proxy::response_router;
using rig::proxy::response_waiters;
namespace asio = boost::asio;

constexpr uint32_t this_instance = 7;

// Two shards, each an io_context with its waiters, run by the test's thread.
struct two_shards {
    response_waiters waiters[2];
    asio::io_context ioc[2];

    std::vector<response_router::shard> shards() {
        return {{ioc[0].get_executor(), &waiters[0]}, {ioc[1].get_executor(), &waiters[1]}};
    }
};

TEST(ResponseRouter, PostsToTheShardNamedInTheCorrelationId) {
    two_shards node;
    const correlation_codec codec("cookie");
    response_router router(codec, this_instance, node.shards());
    auto ticket = node.waiters[1].add();
    const std::string correlation = codec.encode({this_instance, 1, ticket.id()});
    std::optional<async_response> got;
    asio::co_spawn(
        node.ioc[1],
        [&node, &got, ticket = std::move(ticket)]() mutable -> asio::awaitable<void> {
            got = co_await node.waiters[1].wait(std::move(ticket), 10s);
        },
        asio::detached);
    node.ioc[1].poll();

    // Delivered from another thread, as the Kafka consumer does.
    response_router::outcome outcome{};
    std::thread([&] {
        outcome = router.deliver(correlation, {202, {{"x-a", "b"}}, "body"});
    }).join();
    EXPECT_EQ(outcome, response_router::outcome::local);
    EXPECT_EQ(node.ioc[0].poll(), 0U);
    node.ioc[1].run_for(2s);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 202U);
    EXPECT_EQ(got->body, "body");
    EXPECT_EQ(router.counters().local, 1U);
    EXPECT_EQ(node.waiters[1].counters().delivered, 1U);
    EXPECT_EQ(node.waiters[0].counters().dropped, 0U);
}

TEST(ResponseRouter, LocalIdOfNoWaiterIsDroppedOnTheShard) {
    two_shards node;
    const correlation_codec codec("cookie");
    response_router router(codec, this_instance, node.shards());
    EXPECT_EQ(router.deliver(codec.encode({this_instance, 0, 999}), {}),
              response_router::outcome::local);
    node.ioc[0].poll();
    EXPECT_EQ(node.waiters[0].counters().dropped, 1U);
}

TEST(ResponseRouter, OtherInstanceGoesToTheRemoteHook) {
    two_shards node;
    const correlation_codec codec("cookie");
    std::vector<std::tuple<uint32_t, std::string, async_response>> remote;
    response_router router(codec, this_instance, node.shards(),
                           [&](uint32_t instance, std::string correlation, async_response r) {
                               remote.emplace_back(instance, std::move(correlation), std::move(r));
                           });
    const std::string correlation = codec.encode({42, 1, 5});
    EXPECT_EQ(router.deliver(correlation, {404, {}, "nope"}), response_router::outcome::remote);
    ASSERT_EQ(remote.size(), 1U);
    EXPECT_EQ(std::get<0>(remote[0]), 42U);
    EXPECT_EQ(std::get<1>(remote[0]), correlation);
    EXPECT_EQ(std::get<2>(remote[0]).status, 404U);
    EXPECT_EQ(std::get<2>(remote[0]).body, "nope");
    EXPECT_EQ(router.counters().remote, 1U);
    EXPECT_EQ(node.ioc[0].poll() + node.ioc[1].poll(), 0U);
}

TEST(ResponseRouter, OtherInstanceWithoutHookIsUnroutable) {
    two_shards node;
    const correlation_codec codec("cookie");
    response_router router(codec, this_instance, node.shards());
    EXPECT_EQ(router.deliver(codec.encode({42, 0, 1}), {}), response_router::outcome::unroutable);
    EXPECT_EQ(router.deliver(codec.encode({this_instance, 2, 1}), {}),
              response_router::outcome::unroutable);
    EXPECT_EQ(router.counters().unroutable, 2U);
}

TEST(ResponseRouter, WhatDoesNotDecodeIsCountedAndDropped) {
    two_shards node;
    const correlation_codec codec("cookie");
    bool hook_called = false;
    response_router router(codec, this_instance, node.shards(),
                           [&](uint32_t, std::string, async_response) { hook_called = true; });
    const rig::transport::token_codec tokens("cookie", this_instance);
    for (const std::string& bad :
         {std::string(), std::string("garbage"), tokens.encode({this_instance, 0, 1, 1}),
          correlation_codec("other cookie").encode({this_instance, 0, 1})}) {
        EXPECT_EQ(router.deliver(bad, {}), response_router::outcome::malformed) << bad;
    }
    EXPECT_EQ(router.counters().malformed, 4U);
    EXPECT_FALSE(hook_called);
    EXPECT_EQ(node.ioc[0].poll() + node.ioc[1].poll(), 0U);
}

}  // namespace
