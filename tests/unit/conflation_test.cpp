// Conflation (RIG_CONFLATION_KEY) end to end inside one process: the key extracted once per
// event, the frames that carry it, and SSE and WebSocket connections whose client lags
// getting the newest event per key instead of being disconnected. The queue's rules are in
// frame_queue_test.cpp.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cloudevents/cloud_event.hpp"
#include "hub/published_event.hpp"
#include "support/fake_channel.hpp"
#include "transport/sse_connection.hpp"
#include "transport/ws_connection.hpp"

namespace {

using rig::test::fake_channel;
using rig::test::fake_host;
using rig::test::fake_peer;
using rig::transport::connection;

rig::subscription::extractors with_key(std::string pointer) {
    rig::subscription::extractors ex;
    ex.set_conflation_pointer(std::move(pointer));
    return ex;
}

rig::hub::event_ptr make_event(const rig::subscription::extractors& ex, const std::string& type,
                               const std::string& id, const std::string& data,
                               std::size_t pad = 0) {
    rig::cloudevents::cloud_event ev;
    ev.type = type;
    ev.id = id;
    ev.json = R"({"specversion":"1.0","type":")" + type + R"(","source":"t","id":")" + id +
              R"(","pad":")" + std::string(pad, 'x') + R"(","data":)" + data + "}";
    return rig::hub::make_published_event(std::move(ev), ex);
}

TEST(ConflationKey, IsTheTypeAndTheScalarAtThePointerExtractedOnce) {
    const auto ex = with_key("/data/id");
    const auto e1 = make_event(ex, "price", "1", R"({"id":"a","v":1})");
    const auto e2 = make_event(ex, "price", "2", R"({"id":"a","v":2})");
    ASSERT_NE(e1->conflation_key(), nullptr);
    EXPECT_EQ(*e1->conflation_key(), *e2->conflation_key());
    EXPECT_EQ(e1->conflation_key()->text, "price\n\"a\"");
    const auto number = make_event(ex, "price", "3", R"({"id":7})");
    EXPECT_EQ(number->conflation_key()->text, "price\n7");
    const auto other_type = make_event(ex, "volume", "4", R"({"id":"a"})");
    EXPECT_FALSE(*other_type->conflation_key() == *e1->conflation_key());
}

TEST(ConflationKey, EventsWithoutAScalarAtThePointerHaveNone) {
    const auto ex = with_key("/data/id");
    EXPECT_EQ(make_event(ex, "price", "1", R"({"v":1})")->conflation_key(), nullptr);
    EXPECT_EQ(make_event(ex, "price", "2", R"({"id":null})")->conflation_key(), nullptr);
    EXPECT_EQ(make_event(ex, "price", "3", R"({"id":{"x":1}})")->conflation_key(), nullptr);
    EXPECT_EQ(make_event(ex, "price", "4", R"("text")")->conflation_key(), nullptr);
}

TEST(ConflationKey, OffByDefault) {
    const rig::subscription::extractors none;
    EXPECT_EQ(make_event(none, "price", "1", R"({"id":"a"})")->conflation_key(), nullptr);
}

TEST(ConflationKey, SseAndWebSocketFramesCarryItLongPollingFramesDoNot) {
    const auto ex = with_key("/data/id");
    const auto e = make_event(ex, "price", "1", R"({"id":"a"})");
    EXPECT_EQ(rig::hub::sse_frame(e, true).key, e->conflation_key());
    EXPECT_EQ(rig::hub::sse_frame(e, false).key, e->conflation_key());
    EXPECT_EQ(rig::hub::ws_frame(e).key, e->conflation_key());
    EXPECT_EQ(rig::hub::json_frame(e).key, nullptr);
}

template <class Connection>
struct fixture {
    fake_host host;
    fake_peer peer;
    std::shared_ptr<Connection> conn;

    explicit fixture(std::size_t max_queue) {
        host.opts.max_queue_bytes = max_queue;
        conn = std::make_shared<Connection>(host, std::make_unique<fake_channel>(peer));
        conn->enrolled(0, "token-1", host.ticks);
        conn->start();
        conn->set_subscriptions({});
        host.run_flushes();  // the first write stays in flight: the client does not read
    }
};

template <class Connection>
void lagging_client_gets_the_newest_event_per_key() {
    const auto ex = with_key("/data/id");
    fixture<Connection> f(2048);
    // 3 keys × 10 updates of ~400 bytes: 12 KB for a queue of 2 KB.
    for (int v = 0; v < 10; ++v) {
        for (const char* id : {"a", "b", "c"}) {
            f.conn->deliver(make_event(ex, "price", fmt::format("{}{}", id, v),
                                       fmt::format(R"({{"id":"{}","v":{}}})", id, v), 300));
        }
    }
    EXPECT_EQ(f.conn->state(), connection::phase::open);
    EXPECT_EQ(f.host.counters.slow_consumer_disconnects.load(), 0U);
    EXPECT_GT(f.host.counters.conflated_events.load(), 0U);
    f.peer.complete_write();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto& w = f.peer.writes[1];
    for (const char* id : {"a", "b", "c"}) {
        const auto newest = w.find(fmt::format(R"("id":"{}","v":9)", id));
        EXPECT_NE(newest, std::string::npos) << id;
        // Nothing older of that key comes after its newest state.
        for (int v = 0; v < 9; ++v) {
            const auto older = w.rfind(fmt::format(R"("id":"{}","v":{})", id, v));
            EXPECT_TRUE(older == std::string::npos || older < newest) << id << v;
        }
    }
}

TEST(SseConflation, ALaggingClientGetsTheNewestEventPerKeyAndStays) {
    lagging_client_gets_the_newest_event_per_key<rig::transport::sse_connection>();
}

TEST(WsConflation, ALaggingClientGetsTheNewestEventPerKeyAndStays) {
    lagging_client_gets_the_newest_event_per_key<rig::transport::ws_connection>();
}

TEST(SseConflation, WithoutTheKeyTheSameClientIsASlowConsumer) {
    const rig::subscription::extractors none;
    fixture<rig::transport::sse_connection> f(2048);
    for (int v = 0; v < 10 && f.conn->is_open(); ++v) {
        f.conn->deliver(make_event(none, "price", fmt::format("a{}", v),
                                   fmt::format(R"({{"id":"a","v":{}}})", v), 300));
    }
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_EQ(f.host.counters.slow_consumer_disconnects.load(), 1U);
    EXPECT_EQ(f.host.counters.conflated_events.load(), 0U);
}

}  // namespace
