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

}  // namespace
