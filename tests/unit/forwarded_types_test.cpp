#include "hub/forwarded_types.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "admin/metrics.hpp"
#include "cloudevents/cloud_event.hpp"
#include "hub/hub.hpp"
#include "subscription/extractors.hpp"
#include "subscription/subscription.hpp"

namespace {

using rig::hub::forwarded_counts;
using rig::hub::forwarded_types;

TEST(ForwardedTypes, TypesPastTheBoundCountUnderTheOverflow) {
    forwarded_types types(2);
    forwarded_counts shard(types);
    shard.count("a");
    shard.count("b");
    shard.count("c");  // third type: overflow
    shard.count("a");
    shard.count("d");
    EXPECT_EQ(types.names(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(types.full());
    EXPECT_EQ(shard.read(0), 2u);
    EXPECT_EQ(shard.read(1), 1u);
    EXPECT_EQ(shard.read(2), 2u);  // c and d
}

TEST(ForwardedTypes, ShardsShareTheNodeWideIds) {
    forwarded_types types(1);
    forwarded_counts one(types);
    forwarded_counts two(types);
    two.count("x");
    one.count("y");  // the one slot is x's: y is overflow on every shard
    one.count("x");
    EXPECT_EQ(types.names(), std::vector<std::string>{"x"});
    EXPECT_EQ(one.read(0) + two.read(0), 2u);
    EXPECT_EQ(one.read(1), 1u);
}

TEST(ForwardedTypes, ZeroCapacityCountsEverythingAsOverflow) {
    forwarded_types types(0);
    forwarded_counts shard(types);
    shard.count("a");
    EXPECT_TRUE(types.names().empty());
    EXPECT_EQ(shard.read(0), 1u);
}

struct counting_subscriber final : rig::hub::subscriber {
    void deliver(const rig::hub::event_ptr&) override { ++received; }
    int received = 0;
};

rig::hub::event_ptr event_of_type(std::string_view type, const rig::subscription::extractors& ex) {
    rig::cloudevents::cloud_event ev;
    ev.type = std::string(type);
    ev.id = std::string("1");  // not operator=(const char*): GCC 12 -O3 -Wrestrict false positive
    ev.json = R"({"specversion":"1.0","source":"s","id":"1","type":")" + ev.type + "\"}";
    return rig::hub::make_published_event(std::move(ev), ex);
}

// An event that two shards each deliver to a connection is forwarded once; an event nobody
// subscribes to is not forwarded at all.
TEST(ForwardedTypes, AnEventDeliveredByTwoShardsCountsOnce) {
    boost::asio::io_context io1, io2;
    rig::hub::shard_hub shard1, shard2;
    rig::hub::hub hub;
    hub.set_max_event_types(10);
    hub.add_shard(io1.get_executor(), shard1);
    hub.add_shard(io2.get_executor(), shard2);
    counting_subscriber s1, s2;
    rig::subscription::parse_failure err;
    const auto subs = rig::subscription::parse_subscription_list(
        boost::json::parse(R"([{"eventType":"t"}])"), err);
    ASSERT_TRUE(subs.has_value());
    shard1.set_subscriptions(s1, *subs);
    shard2.set_subscriptions(s2, *subs);

    rig::subscription::extractors ex;
    hub.publish_batch({event_of_type("t", ex), event_of_type("t", ex)});
    hub.publish(event_of_type("t", ex));
    shard1.deliver(event_of_type("unwanted", ex));
    io1.run();
    io2.run();
    EXPECT_EQ(s1.received, 3);
    EXPECT_EQ(s2.received, 3);
    const std::string text = rig::admin::render_forwarded(hub);
    EXPECT_NE(text.find("# TYPE rig_consumed_events_forwarded_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("rig_consumed_events_forwarded_total{type=\"t\"} 3\n"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("unwanted"), std::string::npos) << text;
    EXPECT_EQ(text.find("[other]"), std::string::npos) << text;
    shard1.remove(s1);
    shard2.remove(s2);
}

TEST(ForwardedTypes, PublishStampsThePublishTime) {
    boost::asio::io_context io;
    rig::hub::shard_hub shard;
    rig::hub::hub hub;
    hub.add_shard(io.get_executor(), shard);
    rig::subscription::extractors ex;
    const auto e = event_of_type("t", ex);
    EXPECT_EQ(e->published_at(), 0);
    hub.publish(e);
    EXPECT_GT(e->published_at(), 0);
}

}  // namespace
