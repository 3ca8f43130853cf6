#include "hub/hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <thread>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "subscription/extractors.hpp"
#include "subscription/subscription.hpp"

namespace {

using rig::hub::event_ptr;

struct hub_subscriber final : rig::hub::subscriber {
    void deliver(const event_ptr&) override { ++received; }
    int received = 0;
};

std::vector<event_ptr> one_event_batch(const rig::subscription::extractors& ex) {
    rig::cloudevents::cloud_event ev;
    ev.type = "t";
    ev.id = "1";
    ev.json = R"({"specversion":"1.0","type":"t","source":"s","id":"1"})";
    return {rig::hub::make_published_event(std::move(ev), ex)};
}

// A source that outpaces a shard waits once the shard has its window of batches queued,
// and goes on as the shard works them off; nothing is lost.
TEST(Hub, PublishBatchWaitsForAFullShardWindow) {
    constexpr int window = 3;
    constexpr int batches = window + 2;
    boost::asio::io_context shard_io;                            // not running: the shard is "busy"
    auto keep_running = boost::asio::make_work_guard(shard_io);  // run_one() waits for work
    rig::hub::shard_hub shard;
    rig::hub::hub hub;
    hub.set_batch_window(window);
    hub.add_shard(shard_io.get_executor(), shard);
    hub_subscriber subscriber;
    rig::subscription::parse_failure err;
    const auto subs = rig::subscription::parse_subscription_list(
        boost::json::parse(R"([{"eventType":"t"}])"), err);
    ASSERT_TRUE(subs.has_value());
    shard.set_subscriptions(subscriber, *subs);

    rig::subscription::extractors ex;
    const auto batch = one_event_batch(ex);
    std::atomic<int> published{0};
    std::thread source([&] {
        for (int i = 0; i < batches; ++i) {
            hub.publish_batch(batch);
            published.fetch_add(1);
        }
    });
    // Until the shard runs, the source gets exactly `window` batches out and then waits.
    while (hub.batch_waits() == 0 && published.load() < batches) {
        std::this_thread::yield();
    }
    ASSERT_EQ(hub.batch_waits(), 1u) << "the source was never made to wait";
    EXPECT_EQ(published.load(), window);

    // The shard works through everything; the source finishes.
    int ran = 0;
    while (ran < batches) {
        ran += static_cast<int>(shard_io.run_one());
    }
    source.join();
    EXPECT_EQ(published.load(), batches);
    EXPECT_EQ(subscriber.received, batches);
    shard.remove(subscriber);
}

// With EXTRACTORS, the hub tells shards apart by the values their subscribers are constrained
// to: an event for alice is framed and posted to alice's shard only, one for nobody is left
// unframed and posted nowhere.
TEST(Hub, AnEventGoesOnlyToTheShardsWhoseSubscribersWantItsValues) {
    auto ex = rig::subscription::extractors::parse(
        R"({"t":{"name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    boost::asio::io_context io_a;  // neither runs: what was posted stays queued
    boost::asio::io_context io_b;
    rig::hub::shard_hub shard_a(&*ex);
    rig::hub::shard_hub shard_b(&*ex);
    rig::hub::hub hub;
    hub.add_shard(io_a.get_executor(), shard_a);
    hub.add_shard(io_b.get_executor(), shard_b);
    // The index points into the subscriptions: they live as long as the test.
    std::vector<std::vector<rig::subscription::subscription>> lists;
    const auto subscribe = [&](rig::hub::shard_hub& shard, hub_subscriber& s, const char* list) {
        rig::subscription::parse_failure err;
        auto subs = rig::subscription::parse_subscription_list(boost::json::parse(list), err);
        ASSERT_TRUE(subs.has_value());
        lists.push_back(std::move(*subs));
        shard.set_subscriptions(s, lists.back());
    };
    const auto drain = [](boost::asio::io_context& io) {
        io.restart();
        return io.poll();
    };
    hub_subscriber alice;
    hub_subscriber bob;
    lists.reserve(2);
    subscribe(shard_a, alice, R"([{"eventType":"t","oneOf":[{"name":"alice"}]}])");
    subscribe(shard_b, bob, R"([{"eventType":"t","oneOf":[{"name":"bob"}]}])");
    const auto event_for = [&](const std::string& name) {
        rig::cloudevents::cloud_event ev;
        ev.type = "t";
        ev.id = name;
        ev.json = R"({"specversion":"1.0","type":"t","source":"s","id":"1","data":{"name":")" +
                  name + R"("}})";
        return hub.make_event(std::move(ev), *ex);
    };

    const auto for_alice = event_for("alice");
    EXPECT_TRUE(for_alice->framed());
    hub.publish_batch({for_alice});
    EXPECT_EQ(drain(io_a), 1u);
    EXPECT_EQ(drain(io_b), 0u);
    EXPECT_EQ(alice.received, 1);
    EXPECT_EQ(bob.received, 0);

    const auto for_nobody = event_for("carol");
    EXPECT_FALSE(for_nobody->framed());
    hub.publish_batch({for_nobody});
    EXPECT_EQ(drain(io_a), 0u);
    EXPECT_EQ(drain(io_b), 0u);
    EXPECT_EQ(shard_a.stats().events_published.load(), 1);
    EXPECT_EQ(shard_b.stats().events_published.load(), 0);

    shard_a.remove(alice);
    shard_b.remove(bob);
    EXPECT_FALSE(event_for("bob")->framed());
}

}  // namespace
