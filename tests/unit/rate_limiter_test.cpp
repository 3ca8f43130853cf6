#include "transport/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using rig::transport::connection_rate_limiter;
using time_point = std::chrono::steady_clock::time_point;

// Start of a 60-second window, well away from the clock's epoch.
const time_point window_start{std::chrono::minutes{1000}};

TEST(ConnectionRateLimiter, PassesNThenRefusesWithinWindow) {
    connection_rate_limiter limiter(5);
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(limiter.try_acquire(window_start + std::chrono::seconds{i})) << i;
    }
    EXPECT_FALSE(limiter.try_acquire(window_start + 10s));
    EXPECT_FALSE(limiter.try_acquire(window_start + 59s));
    EXPECT_FALSE(limiter.try_acquire(window_start + 59s + 999ms));
}

TEST(ConnectionRateLimiter, NewWindowResets) {
    connection_rate_limiter limiter(3);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.try_acquire(window_start));
    }
    EXPECT_FALSE(limiter.try_acquire(window_start));

    const time_point next = window_start + 60s;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.try_acquire(next + 1s)) << i;
    }
    EXPECT_FALSE(limiter.try_acquire(next + 2s));

    // A window much later is fresh as well.
    const time_point later = window_start + 24h;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.try_acquire(later)) << i;
    }
    EXPECT_FALSE(limiter.try_acquire(later));
}

TEST(ConnectionRateLimiter, WindowsAreFixedNotSliding) {
    connection_rate_limiter limiter(2);
    // Two at the very end of one window, two at the very start of the next.
    EXPECT_TRUE(limiter.try_acquire(window_start + 59s));
    EXPECT_TRUE(limiter.try_acquire(window_start + 59s));
    EXPECT_FALSE(limiter.try_acquire(window_start + 59s));
    EXPECT_TRUE(limiter.try_acquire(window_start + 60s));
    EXPECT_TRUE(limiter.try_acquire(window_start + 60s));
    EXPECT_FALSE(limiter.try_acquire(window_start + 61s));
}

TEST(ConnectionRateLimiter, LimitOfOne) {
    connection_rate_limiter limiter(1);
    EXPECT_TRUE(limiter.try_acquire(window_start));
    EXPECT_FALSE(limiter.try_acquire(window_start));
    EXPECT_TRUE(limiter.try_acquire(window_start + 1min));
}

TEST(ConnectionRateLimiter, ZeroIsUnlimited) {
    connection_rate_limiter limiter(0);
    for (int i = 0; i < 100000; ++i) {
        ASSERT_TRUE(limiter.try_acquire(window_start)) << i;
    }
}

TEST(ConnectionRateLimiter, FirstWindowAtClockEpoch) {
    connection_rate_limiter limiter(2);
    EXPECT_TRUE(limiter.try_acquire(time_point{}));
    EXPECT_TRUE(limiter.try_acquire(time_point{} + 1s));
    EXPECT_FALSE(limiter.try_acquire(time_point{} + 2s));
}

}  // namespace
