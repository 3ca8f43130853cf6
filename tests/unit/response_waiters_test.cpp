#include "proxy/response_waiters.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace {

using namespace std::chrono_literals;
using rig::proxy::async_response;
using rig::proxy::response_waiters;
using rig::proxy::waiter_ticket;
namespace asio = boost::asio;

async_response make_response(unsigned status, std::string body) {
    return {status, {{"content-type", "text/plain"}}, std::move(body)};
}

// Starts a wait on `ioc`; `result` is set when it ends, `ended` tells whether it did.
struct waiting {
    std::optional<async_response> result;
    bool ended = false;
};

void start_wait(asio::io_context& ioc, response_waiters& waiters, waiter_ticket ticket,
                std::chrono::milliseconds timeout, std::shared_ptr<waiting> w) {
    asio::co_spawn(
        ioc,
        [&waiters, ticket = std::move(ticket), timeout, w]() mutable -> asio::awaitable<void> {
            w->result = co_await waiters.wait(std::move(ticket), timeout);
            w->ended = true;
        },
        asio::detached);
}

TEST(ResponseWaiters, DeliverWakesTheWaiterBeforeTheTimeout) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    asio::io_context ioc;
    auto ticket = waiters.add();
    const uint64_t id = ticket.id();
    auto w = std::make_shared<waiting>();
    start_wait(ioc, waiters, std::move(ticket), 10s, w);
    ioc.poll();
    EXPECT_FALSE(w->ended);
    asio::post(ioc, [&] { EXPECT_TRUE(waiters.deliver(id, make_response(201, "done"))); });
    const auto start = std::chrono::steady_clock::now();
    ioc.run_for(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    ASSERT_TRUE(w->ended);
    ASSERT_TRUE(w->result);
    EXPECT_EQ(w->result->status, 201U);
    EXPECT_EQ(w->result->body, "done");
    ASSERT_EQ(w->result->headers.size(), 1U);
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_EQ(waiters.counters().delivered, 1U);
    EXPECT_EQ(waiters.counters().timed_out, 0U);
}

// A fast backend may answer before its 202 reaches the proxy: the response waits for the wait.
TEST(ResponseWaiters, ResponseBeforeTheWaitIsKept) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    asio::io_context ioc;
    auto ticket = waiters.add();
    EXPECT_TRUE(waiters.deliver(ticket.id(), make_response(200, "early")));
    EXPECT_FALSE(waiters.deliver(ticket.id(), make_response(200, "second")));
    auto w = std::make_shared<waiting>();
    start_wait(ioc, waiters, std::move(ticket), 10s, w);
    ioc.run_for(1s);
    ASSERT_TRUE(w->result);
    EXPECT_EQ(w->result->body, "early");
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_EQ(waiters.counters().dropped, 1U);
}

TEST(ResponseWaiters, TimeoutResumesWithNothingAndUnregisters) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    asio::io_context ioc;
    auto ticket = waiters.add();
    const uint64_t id = ticket.id();
    auto w = std::make_shared<waiting>();
    start_wait(ioc, waiters, std::move(ticket), 20ms, w);
    ioc.run_for(5s);
    ASSERT_TRUE(w->ended);
    EXPECT_FALSE(w->result);
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_EQ(waiters.counters().timed_out, 1U);
    EXPECT_FALSE(waiters.deliver(id, make_response(200, "late")));
    EXPECT_EQ(waiters.counters().dropped, 1U);
}

TEST(ResponseWaiters, UnknownIdIsDropped) {
    response_waiters waiters;
    EXPECT_FALSE(waiters.deliver(12345, make_response(200, "x")));
    EXPECT_EQ(waiters.counters().dropped, 1U);
}

TEST(ResponseWaiters, IdsAreNeverReused) {
    response_waiters waiters;
    uint64_t last = 0;
    for (int i = 0; i < 100; ++i) {
        const auto ticket = waiters.add();
        EXPECT_GT(ticket.id(), last);
        last = ticket.id();
    }
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_EQ(waiters.counters().registered, 100U);
}

// The backend did not answer 202: the handler drops its ticket without waiting.
TEST(ResponseWaiters, DroppedTicketUnregisters) {
    response_waiters waiters;
    uint64_t id = 0;
    {
        auto ticket = waiters.add();
        id = ticket.id();
        auto moved = std::move(ticket);
        EXPECT_EQ(waiters.size(), 1U);
    }
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_FALSE(waiters.deliver(id, make_response(200, "x")));
}

// The client went away: the session's coroutine, and with it the wait, is destroyed.
TEST(ResponseWaiters, DestroyedWaitUnregisters) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    uint64_t id = 0;
    auto w = std::make_shared<waiting>();
    {
        asio::io_context ioc;
        auto ticket = waiters.add();
        id = ticket.id();
        start_wait(ioc, waiters, std::move(ticket), 10s, w);
        ioc.poll();
        EXPECT_EQ(waiters.size(), 1U);
    }
    EXPECT_FALSE(w->ended);
    EXPECT_EQ(waiters.size(), 0U);
    EXPECT_FALSE(waiters.deliver(id, make_response(200, "x")));
}

// Cancelled through its cancellation slot (e.g. raced against the client's disconnect).
TEST(ResponseWaiters, CancelledWaitResumesWithNothing) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    asio::io_context ioc;
    asio::cancellation_signal cancel;
    auto ticket = waiters.add();
    std::optional<std::optional<async_response>> outcome;
    asio::co_spawn(
        ioc,
        [&waiters, &outcome, ticket = std::move(ticket)]() mutable -> asio::awaitable<void> {
            outcome = co_await waiters.wait(std::move(ticket), 10s);
        },
        asio::bind_cancellation_slot(cancel.slot(), asio::detached));
    ioc.poll();
    EXPECT_FALSE(outcome);
    cancel.emit(asio::cancellation_type::terminal);
    ioc.run_for(1s);
    ASSERT_TRUE(outcome);
    EXPECT_FALSE(*outcome);
    EXPECT_EQ(waiters.size(), 0U);
}

TEST(ResponseWaiters, ManyWaitersEachGetTheirOwn) {
    response_waiters waiters;  // outlives the io_context, as the node's do
    asio::io_context ioc;
    std::vector<std::shared_ptr<waiting>> all;
    std::vector<uint64_t> ids;
    for (int i = 0; i < 50; ++i) {
        auto ticket = waiters.add();
        ids.push_back(ticket.id());
        all.push_back(std::make_shared<waiting>());
        start_wait(ioc, waiters, std::move(ticket), 10s, all.back());
    }
    ioc.poll();
    for (std::size_t i = 0; i < ids.size(); i += 2) {
        waiters.deliver(ids[i], make_response(200, std::to_string(i)));
    }
    ioc.poll();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i % 2 == 0) {
            ASSERT_TRUE(all[i]->result) << i;
            EXPECT_EQ(all[i]->result->body, std::to_string(i));
        } else {
            EXPECT_FALSE(all[i]->ended) << i;
        }
    }
    EXPECT_EQ(waiters.size(), 25U);
    ioc.stop();
}

}  // namespace
