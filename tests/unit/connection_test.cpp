// The connection model over an in-memory channel and shard: lifecycle (open → closing →
// finished), the bounded frame queue (gathering, overflow), heartbeats, close deadlines and
// draining, for SSE (HTTP/1.1 chunked and HTTP/2 framing), WebSocket and long polling.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "cloudevents/cloud_event.hpp"
#include "hub/published_event.hpp"
#include "support/fake_channel.hpp"
#include "transport/longpoll_session.hpp"
#include "transport/sse_connection.hpp"
#include "transport/ws_connection.hpp"

namespace {

using namespace std::chrono_literals;
using rig::test::fake_channel;
using rig::test::fake_host;
using rig::test::fake_peer;
using rig::transport::close_reason;
using rig::transport::connection;

rig::hub::event_ptr make_event(const std::string& id, std::size_t pad = 0) {
    static const rig::subscription::extractors none;
    rig::cloudevents::cloud_event ev;
    ev.type = "greeting";
    ev.id = id;
    ev.json = R"({"specversion":"1.0","type":"greeting","source":"t","id":")" + id +
              R"(","data":")" + std::string(pad, 'x') + R"("})";
    return rig::hub::make_published_event(std::move(ev), none);
}

// A client frame (clients must mask), as a browser would send it.
std::string client_frame(uint8_t opcode, std::string_view payload) {
    std::string f;
    f += static_cast<char>(0x80 | opcode);
    f += static_cast<char>(0x80 | payload.size());  // payloads here are < 126 bytes
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    f.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        f += static_cast<char>(payload[i] ^ mask[i % 4]);
    }
    return f;
}

template <class Connection>
struct connection_fixture {
    fake_host host;
    fake_peer peer;
    std::shared_ptr<Connection> conn;

    explicit connection_fixture(bool chunked = true, std::size_t max_queue = 1 << 20) {
        peer.chunked = chunked;
        host.opts.max_queue_bytes = max_queue;
    }
    // Enrolled, started and subscribed, its first write (head + rig events) in flight.
    void open() {
        conn = std::make_shared<Connection>(host, std::make_unique<fake_channel>(peer));
        conn->enrolled(0, "token-1", host.ticks);
        conn->start();
        conn->set_subscriptions({});
        host.run_flushes();
    }
    // Lets the shard's timer visit the connection `n` heartbeat intervals after it opened.
    void tick_to(uint64_t n) {
        host.ticks = n;
        conn->on_tick(n);
        host.run_flushes();
    }
};

TEST(SseConnection, StartsWithConnectionCreateAndSubscriptionsSetInOneWrite) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    ASSERT_EQ(f.peer.writes.size(), 1U);
    const auto& w = f.peer.writes[0];
    EXPECT_NE(w.find("event: rig.connection.create"), std::string::npos);
    EXPECT_NE(w.find("token-1"), std::string::npos);
    EXPECT_LT(w.find("rig.connection.create"), w.find("event: rig.subscriptions_set"));
    EXPECT_TRUE(w.starts_with("1") || std::isxdigit(static_cast<unsigned char>(w[0])));
    EXPECT_NE(w.find("\r\n"), std::string::npos) << "HTTP/1.1 chunk framing";
    EXPECT_TRUE(f.peer.reader) << "watches the client";
    EXPECT_EQ(f.host.subscription_changes, 1);
}

TEST(SseConnection, DeliveriesDuringAWriteGoOutTogetherInTheNextWrite) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    for (int i = 0; i < 3; ++i) {
        f.conn->deliver(make_event(fmt::format("e{}", i)));
    }
    f.host.run_flushes();
    EXPECT_EQ(f.peer.writes.size(), 1U) << "one write at a time";
    f.peer.complete_write();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto& w = f.peer.writes[1];
    EXPECT_NE(w.find("id: e0"), std::string::npos);
    EXPECT_LT(w.find("id: e0"), w.find("id: e1"));
    EXPECT_LT(w.find("id: e1"), w.find("id: e2"));
}

TEST(SseConnection, SendsTheEventsSharedChunk) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.peer.complete_write();
    const auto ev = make_event("shared");
    f.conn->deliver(ev);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], ev->sse_chunk());
}

TEST(SseConnection, OverHttp2FramesCarryNoChunkFramingAndTheEndIsEndStream) {
    connection_fixture<rig::transport::sse_connection> f(false);
    f.open();
    f.peer.complete_write();
    const auto ev = make_event("h2");
    f.conn->deliver(ev);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], ev->sse_message());
    EXPECT_TRUE(f.peer.writes[1].starts_with("event: greeting\nid: h2\ndata: "));
    f.peer.complete_write();
    f.conn->close(close_reason::shutdown);
    EXPECT_TRUE(f.peer.ended) << "nothing left to write: END_STREAM at once";
    EXPECT_EQ(f.peer.writes.size(), 2U) << "no last chunk on HTTP/2";
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_EQ(f.host.finishes, 1);
}

TEST(SseConnection, CloseSendsTheLastChunkThenEnds) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.conn->close(close_reason::shutdown);
    EXPECT_EQ(f.conn->state(), connection::phase::closing);
    EXPECT_EQ(f.host.closings, 1);
    f.conn->deliver(make_event("late"));  // a closing connection takes no more events
    f.peer.complete_write();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], "0\r\n\r\n");
    EXPECT_FALSE(f.peer.ended);
    f.peer.complete_write();
    EXPECT_TRUE(f.peer.ended);
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_EQ(f.host.finishes, 1);
}

TEST(SseConnection, SessionKilledSendsTheEventBeforeTheEnd) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.peer.complete_write();
    f.conn->close(close_reason::session_killed);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto& w = f.peer.writes[1];
    EXPECT_NE(w.find("event: rig.session_killed"), std::string::npos);
    EXPECT_TRUE(w.ends_with("0\r\n\r\n"));
}

TEST(SseConnection, SlowConsumerIsDisconnectedAndCounted) {
    connection_fixture<rig::transport::sse_connection> f(true, 1024);
    f.open();  // the first write stays in flight: the client does not read
    f.conn->deliver(make_event("a", 500));
    EXPECT_EQ(f.conn->state(), connection::phase::open);
    f.conn->deliver(make_event("b", 500));
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_TRUE(f.peer.closed);
    EXPECT_EQ(f.host.counters.slow_consumer_disconnects.load(), 1U);
    EXPECT_EQ(f.host.finishes, 1);
}

TEST(SseConnection, AnEventLargerThanTheBoundIsAdmittedIntoAnEmptyQueue) {
    connection_fixture<rig::transport::sse_connection> f(true, 1024);
    f.open();
    f.conn->deliver(make_event("big", 5000));
    EXPECT_EQ(f.conn->state(), connection::phase::open);
    f.peer.complete_write();
    EXPECT_NE(f.peer.writes.back().find("id: big"), std::string::npos);
}

TEST(SseConnection, HeartbeatOneIntervalAfterOpening) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.peer.complete_write();
    f.tick_to(rig::transport::ticks_per_heartbeat - 1);
    EXPECT_EQ(f.peer.writes.size(), 1U);
    f.tick_to(rig::transport::ticks_per_heartbeat);
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_NE(f.peer.writes[1].find(": heartbeat\n\n"), std::string::npos);
}

TEST(SseConnection, TheClientEndingItsSideFinishes) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.peer.send("ignored bytes");
    EXPECT_EQ(f.conn->state(), connection::phase::open);
    EXPECT_TRUE(f.peer.reader) << "still watching";
    f.peer.send("", true);
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_EQ(f.host.finishes, 1);
}

TEST(SseConnection, AClosingClientThatDoesNotReadIsCutAfterTheGracePeriod) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();  // never completes its write
    f.conn->close(close_reason::shutdown);
    f.host.clock += 4s;
    f.tick_to(16);
    EXPECT_EQ(f.conn->state(), connection::phase::closing);
    f.host.clock += 2s;
    f.tick_to(32);
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
    EXPECT_TRUE(f.peer.closed);
}

TEST(SseConnection, WhileDrainingTheGracePeriodIsOneSecond) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.host.drain = true;
    f.conn->close(close_reason::shutdown);
    f.host.clock += 1500ms;
    f.tick_to(16);
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
}

TEST(SseConnection, AFailedWriteFinishes) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.peer.complete_write(boost::asio::error::broken_pipe);
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
}

TEST(WsConnection, EventsAreTheSharedTextFrame) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    const auto ev = make_event("w1");
    f.conn->deliver(ev);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], ev->ws_frame());
    EXPECT_EQ(static_cast<uint8_t>(f.peer.writes[1][0]), 0x81);  // FIN + text, unmasked
}

TEST(WsConnection, PingsEveryIntervalAndCutsAClientThatNeverAnswers) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.tick_to(16);
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], std::string("\x89\x00", 2));
    f.peer.complete_write();
    f.tick_to(32);
    EXPECT_EQ(f.conn->state(), connection::phase::open);
    f.peer.complete_write();
    f.tick_to(48);
    EXPECT_EQ(f.conn->state(), connection::phase::finished) << "two pings unanswered";
}

TEST(WsConnection, PongsKeepTheConnection) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    for (uint64_t t = 16; t <= 80; t += 16) {
        f.tick_to(t);
        f.peer.complete_write();
        f.peer.send(client_frame(0xA, ""));
    }
    EXPECT_EQ(f.conn->state(), connection::phase::open);
}

TEST(WsConnection, AnswersPingsWithTheirPayload) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.peer.send(client_frame(0x9, "hi"));
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], std::string("\x8a\x02hi", 4));
}

TEST(WsConnection, AClientMessageClosesWithRigsReasonAndWaitsForTheClientsClose) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.peer.send(client_frame(0x1, "hello"));
    EXPECT_EQ(f.conn->state(), connection::phase::closing);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto& close = f.peer.writes[1];
    EXPECT_EQ(static_cast<uint8_t>(close[0]), 0x88);
    EXPECT_NE(close.find("two-way communication"), std::string::npos);
    f.peer.complete_write();
    EXPECT_EQ(f.conn->state(), connection::phase::closing) << "waits for the client's close";
    f.peer.send(client_frame(0x8, std::string("\x03\xe8", 2)));
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
}

TEST(WsConnection, AClientCloseIsAnsweredWithItsCodeThenTheConnectionEnds) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.peer.send(client_frame(0x8, std::string("\x03\xe9", 2) + "bye"));
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1], std::string("\x88\x02\x03\xe9", 4));
    f.peer.complete_write();
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
}

TEST(WsConnection, ASlowConsumerGets1008InsteadOfItsBacklog) {
    connection_fixture<rig::transport::ws_connection> f(true, 1024);
    f.open();
    f.conn->deliver(make_event("a", 600));
    f.conn->deliver(make_event("b", 600));
    EXPECT_EQ(f.conn->state(), connection::phase::closing);
    EXPECT_EQ(f.host.counters.slow_consumer_disconnects.load(), 1U);
    f.peer.complete_write();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto& next = f.peer.writes[1];
    EXPECT_EQ(static_cast<uint8_t>(next[0]), 0x88) << "the backlog was dropped";
    EXPECT_EQ(next.substr(2, 2), std::string("\x03\xf0", 2));  // 1008
}

TEST(WsConnection, AProtocolErrorClosesWith1002) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.peer.send(std::string("\x81\x05hello", 7));  // unmasked: clients must mask
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(static_cast<uint8_t>(f.peer.writes[1][0]), 0x88);
    EXPECT_EQ(f.peer.writes[1].substr(2, 2), std::string("\x03\xea", 2));  // 1002
    f.peer.complete_write();
    EXPECT_EQ(f.conn->state(), connection::phase::finished);
}

TEST(WsConnection, ShutdownSends1001) {
    connection_fixture<rig::transport::ws_connection> f;
    f.open();
    f.peer.complete_write();
    f.conn->close(close_reason::shutdown);
    f.host.run_flushes();
    ASSERT_EQ(f.peer.writes.size(), 2U);
    EXPECT_EQ(f.peer.writes[1].substr(2, 2), std::string("\x03\xe9", 2));
    EXPECT_NE(f.peer.writes[1].find("Server shutting down."), std::string::npos);
}

struct longpoll_fixture {
    fake_host host;
    boost::asio::io_context io;
    std::shared_ptr<rig::transport::longpoll_session> session;

    longpoll_fixture() {
        host.opts.longpoll_buffer = 3;
        host.opts.longpoll_hold = 0ms;
        session = std::make_shared<rig::transport::longpoll_session>(host, io.get_executor());
        session->enrolled(0, "lp-token", 0);
        session->start();
    }
    rig::transport::poll_result poll(const std::string& last) {
        rig::transport::poll_result out;
        session->poll(last, [&](rig::transport::poll_result r) { out = std::move(r); });
        return out;
    }
};

TEST(LongpollSession, KeepsTheNewestEventsAndReturnsThoseAfterTheClientsLast) {
    longpoll_fixture f;
    for (int i = 1; i <= 5; ++i) {
        f.session->deliver(make_event(fmt::format("e{}", i)));
    }
    auto all = f.poll("first_event");
    EXPECT_EQ(all.last_event_id, "e5");
    EXPECT_EQ(all.body.find("\"id\":\"e2\""), std::string::npos) << "fell out of the buffer";
    EXPECT_NE(all.body.find("\"id\":\"e3\""), std::string::npos);
    auto rest = f.poll("e4");
    EXPECT_EQ(rest.body.find("\"id\":\"e4\""), std::string::npos);
    EXPECT_NE(rest.body.find("\"id\":\"e5\""), std::string::npos);
    auto none = f.poll("e5");
    EXPECT_NE(none.body.find("\"events\":[]"), std::string::npos);
}

TEST(LongpollSession, ExpiresAtItsDeadlineWhenNobodyPolls) {
    // Its own timer, not the heartbeat: the session's deadline is checked against the host's
    // clock each time the timer (10 ms of real time here) fires.
    fake_host host;
    host.opts.longpoll_session_ttl = 10ms;
    boost::asio::io_context io;
    auto session = std::make_shared<rig::transport::longpoll_session>(host, io.get_executor());
    session->enrolled(0, "lp-token", 0);
    session->start();
    ASSERT_EQ(io.run_one_for(5s), 1U);  // fired, but the host's clock has not moved: re-armed
    EXPECT_TRUE(session->is_open());
    host.clock += 11ms;
    ASSERT_EQ(io.run_one_for(5s), 1U);
    EXPECT_EQ(session->state(), connection::phase::finished);
    EXPECT_EQ(host.finishes, 1);
}

}  // namespace

// Drops by reason (rig_dropped_events_total) and publish→write latency
// (rig_delivery_latency_seconds).
namespace {

int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

TEST(ConnectionMetrics, ASlowConsumersQueuedEventsCountAsDropped) {
    connection_fixture<rig::transport::sse_connection> f(true, 1024);
    f.open();
    f.conn->deliver(make_event("a", 500));
    f.conn->deliver(make_event("b", 500));  // overflows: b and the waiting a are lost
    EXPECT_EQ(f.host.counters.dropped_slow_consumer.load(), 2U);
}

TEST(ConnectionMetrics, EventsMatchedWhileClosingCountAsDroppedClosed) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();
    f.conn->close(close_reason::shutdown);
    f.conn->deliver(make_event("late"));
    EXPECT_EQ(f.host.counters.dropped_closed.load(), 1U);
    EXPECT_EQ(f.host.counters.dropped_slow_consumer.load(), 0U);
}

TEST(ConnectionMetrics, ALongPollBufferEvictionCountsAsQueueFull) {
    longpoll_fixture f;  // buffer of 3, holding rig.connection.create already
    for (int i = 1; i <= 5; ++i) {
        f.session->deliver(make_event(fmt::format("e{}", i)));
    }
    EXPECT_EQ(f.host.counters.dropped_queue_full.load(), 3U);  // create, e1, e2
}

TEST(ConnectionMetrics, OneLatencyObservationPerWriteForItsOldestPublishedEvent) {
    connection_fixture<rig::transport::sse_connection> f;
    f.open();  // rig's own events (no publish time) in flight: not observed
    EXPECT_EQ(f.host.counters.delivery_latency.snapshot().count, 0U);
    const auto old_event = make_event("old");
    old_event->set_published_at(steady_ns() - 2'000'000'000);  // 2 s ago
    const auto new_event = make_event("new");
    new_event->set_published_at(steady_ns());
    f.conn->deliver(old_event);
    f.conn->deliver(new_event);
    f.peer.complete_write();  // the next write takes both
    ASSERT_EQ(f.peer.writes.size(), 2U);
    const auto c = f.host.counters.delivery_latency.snapshot();
    EXPECT_EQ(c.count, 1U);
    EXPECT_GE(c.sum, 2'000'000U) << "the oldest event's wait, in microseconds";
    EXPECT_LT(c.sum, 60'000'000U);
    f.peer.complete_write();
    f.conn->deliver(new_event);
    f.host.run_flushes();
    EXPECT_EQ(f.host.counters.delivery_latency.snapshot().count, 2U);
}

}  // namespace
