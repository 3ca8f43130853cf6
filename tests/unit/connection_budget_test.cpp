#include "net/connection_budget.hpp"

#include <gtest/gtest.h>

namespace rig::net {

TEST(ConnectionBudget, RefusesBeyondItsLimitAndCountsTheRefusals) {
    connection_budget budget(2);
    EXPECT_TRUE(budget.try_take());
    EXPECT_TRUE(budget.try_take());
    EXPECT_FALSE(budget.try_take());
    EXPECT_FALSE(budget.try_take());
    EXPECT_EQ(budget.in_use(), 2U);
    EXPECT_EQ(budget.refused(), 2U);
    budget.give_back();
    EXPECT_TRUE(budget.try_take());
    EXPECT_EQ(budget.in_use(), 2U);
}

TEST(ConnectionBudget, ZeroMeansNoCap) {
    connection_budget budget(0);
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_TRUE(budget.try_take());
    }
    EXPECT_EQ(budget.in_use(), 10'000U);
    EXPECT_EQ(budget.refused(), 0U);
}

TEST(ConnectionBudget, DefaultKeepsDescriptorsBackFromTheLimit) {
    const std::size_t cap = connection_budget::default_limit();
    rlimit fds{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &fds), 0);
    if (fds.rlim_cur == RLIM_INFINITY) {
        EXPECT_EQ(cap, 0U);
    } else {
        EXPECT_LT(cap, fds.rlim_cur);
        EXPECT_LE(cap + 100, std::max<std::size_t>(fds.rlim_cur, 101));
    }
}

}  // namespace rig::net
