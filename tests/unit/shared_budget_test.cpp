#include "core/shared_budget.hpp"

#include <gtest/gtest.h>

#include "net/fd_limit.hpp"

namespace rig::core {

TEST(SharedBudget, RefusesBeyondItsLimitAndCountsTheRefusals) {
    shared_budget budget(2);
    EXPECT_TRUE(budget.try_take());
    EXPECT_TRUE(budget.try_take());
    EXPECT_FALSE(budget.try_take());
    EXPECT_FALSE(budget.try_take());
    EXPECT_EQ(budget.in_use(), 2U);
    EXPECT_EQ(budget.refused(), 2U);
    budget.give_back();
    EXPECT_TRUE(budget.try_take());
    EXPECT_EQ(budget.in_use(), 2U);
    EXPECT_FALSE(budget.try_take(0) && budget.try_take(1));
}

TEST(SharedBudget, ZeroMeansNoCap) {
    shared_budget budget(0);
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_TRUE(budget.try_take());
    }
    EXPECT_TRUE(budget.try_take(1'000'000));
    EXPECT_EQ(budget.refused(), 0U);
}

TEST(BudgetCharge, ResizesAndGivesBackWhenDestroyed) {
    shared_budget budget(10);
    {
        budget_charge a(&budget);
        EXPECT_TRUE(a.resize(6));
        budget_charge b(&budget);
        EXPECT_FALSE(b.resize(5));  // 6 + 5 > 10: nothing taken
        EXPECT_EQ(b.held(), 0U);
        EXPECT_TRUE(b.resize(4));
        EXPECT_EQ(budget.in_use(), 10U);
        EXPECT_TRUE(a.resize(2));  // shrinking always works
        EXPECT_EQ(budget.in_use(), 6U);
        budget_charge moved(std::move(a));
        EXPECT_EQ(moved.held(), 2U);
        EXPECT_EQ(budget.in_use(), 6U);
    }
    EXPECT_EQ(budget.in_use(), 0U);
}

TEST(BudgetCharge, WithoutABudgetEverythingFits) {
    budget_charge none;
    EXPECT_TRUE(none.resize(1'000'000));
}

TEST(FdLimit, DefaultCapKeepsDescriptorsBack) {
    const std::size_t cap = net::default_connection_cap();
    rlimit fds{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &fds), 0);
    if (fds.rlim_cur == RLIM_INFINITY) {
        EXPECT_EQ(cap, 0U);
    } else {
        EXPECT_LT(cap, fds.rlim_cur);
    }
}

}  // namespace rig::core
