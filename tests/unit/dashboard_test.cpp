// The live dashboard: snapshots summed over shards with rates between readings
// (dashboard_sampler), and its streams over an in-memory channel: the first snapshot at once,
// one per interval after, the bound, the client's end and a drain.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "admin/dashboard_snapshot.hpp"
#include "admin/dashboard_streams.hpp"
#include "support/fake_channel.hpp"

namespace {

using namespace std::chrono_literals;
using rig::admin::dashboard_counters;
using rig::admin::dashboard_sampler;
using rig::test::fake_channel;
using rig::test::fake_peer;
namespace json = boost::json;

// A request as the internal API hands it over; take() gives the test's fake channel.
class fake_exchange final : public rig::http::exchange {
public:
    fake_exchange(rig::http::request& req, fake_peer& peer)
        : exchange(req, rig::http::protocol::http1, false, {}, {}), peer_(peer) {}
    std::unique_ptr<rig::http::response_channel> take(const rig::http::response& head) override {
        taken_ = true;
        head_ = head;
        return std::make_unique<fake_channel>(peer_);
    }
    std::unique_ptr<rig::http::response_channel> take_upgraded(std::string) override {
        return nullptr;
    }
    rig::http::response head_;

private:
    fake_peer& peer_;
};

// The JSON of the last SSE message in `chunk` (one HTTP/1.1 chunk holding one message).
json::object last_snapshot(const std::string& chunk) {
    const auto data = chunk.rfind("data: ");
    EXPECT_NE(data, std::string::npos) << chunk;
    const auto end = chunk.find('\n', data);
    EXPECT_NE(chunk.find("event: snapshot\n"), std::string::npos) << chunk;
    return json::parse(chunk.substr(data + 6, end - data - 6)).as_object();
}

TEST(DashboardSnapshot, SumsShardsAndSources) {
    rig::hub::shard_stats a, b;
    a.deliveries = 5;
    b.deliveries = 7;
    a.sse_connections = 2;
    b.ws_connections = 3;
    b.longpoll_sessions = 1;
    a.subscriptions = 4;
    a.slow_consumer_disconnects = 1;
    b.conflated_events = 9;
    a.dropped_slow_consumer = 6;
    b.dropped_queue_full = 2;
    a.dropped_closed = 3;
    a.delivery_latency.observe(200);   // µs: the 250 bucket
    b.delivery_latency.observe(3000);  // the 5000 bucket
    rig::sources::source_status kafka("kafka");
    kafka.set_connected(false, "broker down");
    kafka.consumed("t1", true);
    kafka.consumed("t2", false);
    const auto c = rig::admin::read_dashboard_counters(11, 4, {&a, &b}, {&kafka},
                                                       std::chrono::steady_clock::now());
    EXPECT_EQ(c.events_in, 11U);
    EXPECT_EQ(c.http_received, 4U);
    EXPECT_EQ(c.dropped_slow_consumer, 6U);
    EXPECT_EQ(c.dropped_queue_full, 2U);
    EXPECT_EQ(c.dropped_closed, 3U);
    EXPECT_EQ(c.latency.count, 2U);
    EXPECT_EQ(c.delivered, 12U);
    EXPECT_EQ(c.sse, 2);
    EXPECT_EQ(c.ws, 3);
    EXPECT_EQ(c.longpolling, 1);
    EXPECT_EQ(c.subscriptions, 4);
    EXPECT_EQ(c.slow_consumer_disconnects, 1U);
    EXPECT_EQ(c.conflated, 9U);
    ASSERT_EQ(c.sources.size(), 1U);
    EXPECT_EQ(c.sources[0].name, "kafka");
    EXPECT_FALSE(c.sources[0].connected);
    EXPECT_EQ(c.sources[0].detail, "broker down");
    EXPECT_EQ(c.sources[0].consumed, 2U);
    EXPECT_EQ(c.sources[0].failed, 1U);
}

TEST(DashboardSnapshot, RatesArePerSecondSinceThePreviousReading) {
    dashboard_sampler sampler;
    dashboard_counters first;
    first.at = std::chrono::steady_clock::time_point{} + 10s;
    first.events_in = 100;
    first.delivered = 1000;
    first.sse = 3;
    first.sources.push_back({"nats", true, "", 50, 0});
    auto s1 = json::parse(sampler.next(first)).as_object();
    EXPECT_EQ(s1.at("events").at("in_per_s").as_double(), 0.0);  // nothing to compare with
    EXPECT_EQ(s1.at("events").at("in_total").to_number<uint64_t>(), 100U);
    EXPECT_EQ(s1.at("connections").at("total").to_number<int64_t>(), 3);

    dashboard_counters second = first;
    second.at += 2s;
    second.events_in = 300;
    second.delivered = 5000;
    second.dropped_slow_consumer = 4;
    second.sources[0].consumed = 70;
    auto s2 = json::parse(sampler.next(second)).as_object();
    EXPECT_DOUBLE_EQ(s2.at("interval_s").as_double(), 2.0);
    EXPECT_DOUBLE_EQ(s2.at("events").at("in_per_s").as_double(), 100.0);
    EXPECT_DOUBLE_EQ(s2.at("events").at("delivered_per_s").as_double(), 2000.0);
    EXPECT_DOUBLE_EQ(s2.at("drops").at("slow_consumer_per_s").as_double(), 2.0);
    EXPECT_EQ(s2.at("drops").at("slow_consumer_total").to_number<uint64_t>(), 4U);
    EXPECT_DOUBLE_EQ(s2.at("drops").at("slow_consumer_disconnects_per_s").as_double(), 0.0);
    const auto& src = s2.at("sources").as_array().at(0).as_object();
    EXPECT_EQ(src.at("name").as_string(), "nats");
    EXPECT_TRUE(src.at("connected").as_bool());
    EXPECT_DOUBLE_EQ(src.at("consumed_per_s").as_double(), 10.0);
    const auto& by_source = s2.at("events").at("in_by_source").as_array();
    ASSERT_EQ(by_source.size(), 2U);  // http, then each source
    EXPECT_EQ(by_source.at(1).at("source").as_string(), "nats");
    EXPECT_DOUBLE_EQ(by_source.at(1).at("per_s").as_double(), 10.0);
}

TEST(DashboardSnapshot, TopTypesByRateThenTotal) {
    dashboard_sampler sampler;
    dashboard_counters c;
    c.types = {{"quiet", 1000}, {"busy", 10}, {"new", 0}};
    sampler.next(c);
    c.at += 1s;
    c.types = {{"quiet", 1000}, {"busy", 60}, {"new", 5}, {"late", 1}};
    auto s = json::parse(sampler.next(c)).as_object();
    const auto& types = s.at("top_types").as_array();
    ASSERT_EQ(types.size(), 4U);
    EXPECT_EQ(types.at(0).at("type").as_string(), "busy");
    EXPECT_DOUBLE_EQ(types.at(0).at("per_s").as_double(), 50.0);
    EXPECT_EQ(types.at(1).at("type").as_string(), "new");
    EXPECT_EQ(types.at(2).at("type").as_string(), "late");  // new since the last snapshot
    EXPECT_EQ(types.at(3).at("type").as_string(), "quiet");
    EXPECT_EQ(types.at(3).at("total").to_number<uint64_t>(), 1000U);

    for (int i = 0; i < 20; ++i) {
        c.types.push_back({fmt::format("type-{}", i), 0});
    }
    c.at += 1s;
    s = json::parse(sampler.next(c)).as_object();
    EXPECT_EQ(s.at("top_types").as_array().size(), dashboard_sampler::top_types);
}

TEST(DashboardSnapshot, LatencyPercentilesOfTheWritesSinceTheLastSnapshot) {
    rig::hub::shard_stats shard;
    auto at = std::chrono::steady_clock::time_point{};
    const auto read = [&] {
        at += 1s;
        return rig::admin::read_dashboard_counters(0, 0, {&shard}, {}, at);
    };
    dashboard_sampler sampler;
    auto s = json::parse(sampler.next(read())).as_object();
    EXPECT_TRUE(s.at("latency_ms").at("p50").is_null());  // nothing measured yet
    EXPECT_EQ(s.at("latency_ms").at("count").to_number<int>(), 0);

    for (int i = 0; i < 99; ++i) {
        shard.delivery_latency.observe(800);  // (500, 1000] µs
    }
    shard.delivery_latency.observe(20000);  // (10, 25] ms
    s = json::parse(sampler.next(read())).as_object();
    const auto& lat = s.at("latency_ms");
    EXPECT_EQ(lat.at("count").to_number<int>(), 100);
    EXPECT_GT(lat.at("p50").as_double(), 0.5);
    EXPECT_LE(lat.at("p50").as_double(), 1.0);
    EXPECT_LE(lat.at("p90").as_double(), 1.0);
    EXPECT_GT(lat.at("p99").as_double(), 0.5);

    // The next window holds only what came after.
    shard.delivery_latency.observe(20000);
    s = json::parse(sampler.next(read())).as_object();
    EXPECT_EQ(s.at("latency_ms").at("count").to_number<int>(), 1);
    EXPECT_GT(s.at("latency_ms").at("p50").as_double(), 10.0);
    EXPECT_LE(s.at("latency_ms").at("p50").as_double(), 25.0);
}

TEST(DashboardSnapshot, QuantileInterpolatesInsideItsBucket) {
    static constexpr std::array<uint64_t, 3> bounds{1000, 2000, 4000};  // µs
    rig::core::histogram::counts c;
    c.buckets = {0, 10, 0, 0};  // ten in (1, 2] ms
    EXPECT_DOUBLE_EQ(*rig::admin::latency_quantile_ms(c, bounds, 0.5), 1.5);
    EXPECT_DOUBLE_EQ(*rig::admin::latency_quantile_ms(c, bounds, 1.0), 2.0);
    c.buckets = {0, 0, 0, 4};  // all above the last bound
    EXPECT_DOUBLE_EQ(*rig::admin::latency_quantile_ms(c, bounds, 0.5), 4.0);
    c.buckets = {};
    EXPECT_FALSE(rig::admin::latency_quantile_ms(c, bounds, 0.5));
}

struct DashboardStreams : ::testing::Test {
    boost::asio::io_context io;
    rig::http::session_tracker sessions;
    int reads = 0;
    rig::admin::dashboard_streams streams{
        rig::admin::dashboard_options{.max_streams = 2, .interval = 1ms},
        [this] {
            dashboard_counters c;
            c.at = std::chrono::steady_clock::now();
            c.events_in = static_cast<uint64_t>(++reads);
            return c;
        },
        sessions};
    rig::http::request req{rig::http::verb::get, "/dashboard/stream", 11};

    // Opens a stream whose peer is `peer`; returns the refusal, if any.
    std::optional<rig::http::response> open(fake_peer& peer) {
        fake_exchange ex(req, peer);
        auto res = streams.open(ex, io.get_executor());
        if (!res) {
            EXPECT_EQ(ex.head_[rig::http::field::content_type], "text/event-stream; charset=utf-8");
            EXPECT_EQ(ex.head_[rig::http::field::transfer_encoding], "chunked");
        }
        return res;
    }
};

TEST_F(DashboardStreams, FirstSnapshotAtOnceThenOnePerInterval) {
    fake_peer peer;
    ASSERT_FALSE(open(peer));
    ASSERT_EQ(peer.writes.size(), 1U);
    EXPECT_EQ(last_snapshot(peer.writes[0]).at("events").at("in_total").to_number<int>(), 1);
    peer.complete_write();
    EXPECT_EQ(peer.writes.size(), 1U);  // the next waits for the interval
    io.run_one();                       // the timer
    ASSERT_EQ(peer.writes.size(), 2U);
    EXPECT_EQ(last_snapshot(peer.writes[1]).at("events").at("in_total").to_number<int>(), 2);
    peer.send("", true);  // the client goes away
    EXPECT_TRUE(peer.closed);
    EXPECT_EQ(streams.open_streams(), 0U);
    peer.complete_write(boost::asio::error::operation_aborted);
}

TEST_F(DashboardStreams, BeyondTheBoundA503) {
    fake_peer p1, p2, p3;
    ASSERT_FALSE(open(p1));
    ASSERT_FALSE(open(p2));
    EXPECT_EQ(streams.open_streams(), 2U);
    auto refused = open(p3);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), rig::http::status::service_unavailable);
    EXPECT_NE(refused->body().find("RIG_DASHBOARD_MAX_STREAMS=2"), std::string::npos);
    EXPECT_TRUE(json::parse(refused->body()).as_object().contains("error"));
    // A stream that ends makes room.
    p1.send("", true);
    EXPECT_EQ(streams.open_streams(), 1U);
    ASSERT_FALSE(open(p3));
    p1.complete_write(boost::asio::error::operation_aborted);
}

TEST_F(DashboardStreams, DrainEndsAfterTheWriteInFlightWithTheLastChunk) {
    fake_peer peer;
    ASSERT_FALSE(open(peer));
    sessions.drain();
    EXPECT_FALSE(peer.ended);  // the first snapshot is still being written
    peer.complete_write();
    ASSERT_EQ(peer.writes.size(), 2U);
    EXPECT_EQ(peer.writes[1], "0\r\n\r\n");
    peer.complete_write();
    EXPECT_TRUE(peer.ended);
    EXPECT_EQ(streams.open_streams(), 0U);
    // Draining: new streams are refused.
    fake_peer late;
    auto refused = open(late);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), rig::http::status::service_unavailable);
}

}  // namespace
