#include "auth/session_blacklist.hpp"

#include <gtest/gtest.h>

namespace {

using rig::auth::session_blacklist;
using namespace std::chrono_literals;

const session_blacklist::clock::time_point t0{std::chrono::seconds{1'700'000'000}};

TEST(SessionBlacklist, ContainsUntilExpiry) {
    session_blacklist b;
    b.add("s1", t0 + 60s);
    EXPECT_TRUE(b.contains("s1", t0));
    EXPECT_TRUE(b.contains("s1", t0 + 59s));
    EXPECT_FALSE(b.contains("s1", t0 + 60s));
    EXPECT_FALSE(b.contains("s2", t0));
}

TEST(SessionBlacklist, AddingAgainExtendsButNeverShortens) {
    session_blacklist b;
    b.add("s1", t0 + 10s);
    b.add("s1", t0 + 100s);
    EXPECT_TRUE(b.contains("s1", t0 + 50s));
    b.add("s1", t0 + 20s);
    EXPECT_TRUE(b.contains("s1", t0 + 50s));
}

TEST(SessionBlacklist, AddSaysWhetherAnythingChangedAndCountsThat) {
    session_blacklist b;
    EXPECT_TRUE(b.add("s1", t0 + 10s));
    EXPECT_FALSE(b.add("s1", t0 + 10s));  // a repeat (a node's own entry coming back)
    EXPECT_FALSE(b.add("s1", t0 + 5s));
    EXPECT_TRUE(b.add("s1", t0 + 20s));
    EXPECT_EQ(b.adds(), 2U);
}

TEST(SessionBlacklist, PurgeDropsOnlyExpiredEntries) {
    session_blacklist b;
    b.add("old", t0 + 1s);
    b.add("new", t0 + 100s);
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(b.purge(t0 + 10s), 1u);
    EXPECT_FALSE(b.contains("old", t0));
    EXPECT_TRUE(b.contains("new", t0 + 10s));
}

}  // namespace
