#include "proxy/backend_deadlines.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace {

using rig::proxy::backend_deadlines;
using namespace std::chrono_literals;

TEST(BackendDeadlines, AWatchEndedInTimeIsNeverExpired) {
    boost::asio::io_context io;
    backend_deadlines deadlines(io);
    int calls = 0;
    {
        backend_deadlines::watch w(deadlines, 1ms, [&] { ++calls; });
        EXPECT_EQ(deadlines.size(), 1U);
    }
    EXPECT_EQ(deadlines.size(), 0U);
    io.run();  // the pending wait fires and finds nothing due
    EXPECT_EQ(calls, 0);
}

TEST(BackendDeadlines, ADueWatchIsExpiredOnce) {
    boost::asio::io_context io;
    backend_deadlines deadlines(io);
    int calls = 0;
    backend_deadlines::watch w(deadlines, 1ms, [&] { ++calls; });
    EXPECT_FALSE(w.expired());
    io.run();
    EXPECT_TRUE(w.expired());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(deadlines.size(), 0U);
}

TEST(BackendDeadlines, OnlyTheWatchesStillLinkedRunOut) {
    boost::asio::io_context io;
    backend_deadlines deadlines(io);
    std::vector<int> expired;
    std::optional<backend_deadlines::watch> a, b, c;
    a.emplace(deadlines, 1ms, [&] { expired.push_back(1); });
    b.emplace(deadlines, 1ms, [&] { expired.push_back(2); });
    c.emplace(deadlines, 1ms, [&] { expired.push_back(3); });
    b.reset();  // from the middle
    EXPECT_EQ(deadlines.size(), 2U);
    io.run();
    EXPECT_EQ(expired, (std::vector<int>{1, 3}));
    a.reset();  // an expired watch unlinks nothing twice
    c.reset();
    EXPECT_EQ(deadlines.size(), 0U);
}

TEST(BackendDeadlines, ALaterWatchIsWaitedForAfterTheFirstEnds) {
    boost::asio::io_context io;
    backend_deadlines deadlines(io);
    int calls = 0;
    auto first = std::make_unique<backend_deadlines::watch>(deadlines, 1ms, [&] { ++calls; });
    std::optional<backend_deadlines::watch> second;
    boost::asio::post(io, [&] {
        first.reset();  // ends in time; the wait pending for it finds the second not yet due
        second.emplace(deadlines, 20ms, [&] { ++calls; });
    });
    io.run();  // returns only once the second has run out
    EXPECT_TRUE(second->expired());
    EXPECT_EQ(calls, 1);
}

TEST(BackendDeadlines, AWaitCompletingAfterTheOwnerIsGoneTouchesNothing) {
    boost::asio::io_context io;
    int calls = 0;
    {
        auto deadlines = std::make_unique<backend_deadlines>(io);
        backend_deadlines::watch w(*deadlines, 1ms, [&] { ++calls; });
        deadlines.reset();  // the watch outlives its owner here: it must not unlink
    }
    io.run();
    EXPECT_EQ(calls, 0);
}

TEST(BackendDeadlines, ClosedItOutlivesItsIoContext) {
    // The node's stop: close() while the context exists, the context goes, then the owner and
    // a watch still on a coroutine frame. ASan reports a use after free if the timer stayed.
    int calls = 0;
    auto io = std::make_unique<boost::asio::io_context>();
    auto deadlines = std::make_unique<backend_deadlines>(*io);
    auto w = std::make_unique<backend_deadlines::watch>(*deadlines, 1ms, [&] { ++calls; });
    deadlines->close();
    auto late = std::make_unique<backend_deadlines::watch>(*deadlines, 1ms, [&] { ++calls; });
    io.reset();
    late.reset();
    deadlines.reset();
    w.reset();
    EXPECT_EQ(calls, 0);
}

}  // namespace
