#include "hub/event_history.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "subscription/extractors.hpp"

namespace {

using rig::hub::event_history;
using rig::hub::event_ptr;

event_ptr event(const std::string& id, const std::string& type = "t") {
    static const rig::subscription::extractors none;
    rig::cloudevents::cloud_event ev;
    ev.type = type;
    ev.id = id;
    ev.json = R"({"specversion":"1.0","type":")" + type + R"(","source":"s","id":")" + id + "\"}";
    return rig::hub::make_published_event(std::move(ev), none);
}

void append(event_history& h, const std::vector<std::string>& ids) {
    std::vector<event_ptr> batch;
    for (const auto& id : ids) {
        batch.push_back(event(id));
    }
    h.append(batch);
}

std::vector<std::string> ids_of(const event_history::snapshot& s) {
    std::vector<std::string> out;
    for (const auto& e : s.events) {
        out.push_back(e->id());
    }
    return out;
}

TEST(EventHistory, NumbersEventsInPublishingOrder) {
    event_history h({});
    auto a = event("a");
    auto b = event("b");
    h.append(std::vector{a});
    h.append(std::vector{b});
    EXPECT_EQ(a->seq(), 1U);
    EXPECT_EQ(b->seq(), 2U);
}

TEST(EventHistory, ReplaysWhatFollowsTheCursorAndNamesTheNewestNumber) {
    event_history h({});
    append(h, {"a", "b", "c"});
    const auto s = h.after("a");
    EXPECT_TRUE(s.found);
    EXPECT_EQ(ids_of(s), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(s.newest, 3U);
    const auto last = h.after("c");
    EXPECT_TRUE(last.found);
    EXPECT_TRUE(last.events.empty());
}

TEST(EventHistory, ARepeatedIdCountsFromItsMostRecentOccurrence) {
    event_history h({});
    append(h, {"x", "a", "x", "b"});
    EXPECT_EQ(ids_of(h.after("x")), (std::vector<std::string>{"b"}));
}

TEST(EventHistory, TheSizeBoundIsExact) {
    event_history h({.max_events = 3});
    append(h, {"1", "2", "3", "4"});
    EXPECT_EQ(h.current().events, 3U);
    EXPECT_FALSE(h.after("1").found);
    EXPECT_EQ(ids_of(h.after("2")), (std::vector<std::string>{"3", "4"}));
}

TEST(EventHistory, TheByteBoundEvictsTheOldest) {
    const std::size_t one = event_history::footprint(*event("1"));
    event_history h({.max_events = 100, .max_bytes = 2 * one + one / 2});
    append(h, {"1", "2", "3"});
    EXPECT_EQ(h.current().events, 2U);
    EXPECT_LE(h.current().bytes, 2 * one + one / 2);
    EXPECT_FALSE(h.after("1").found);
}

TEST(EventHistory, OffKeepsNothingButStillNumbers) {
    event_history h({.max_events = 0});
    auto a = event("a");
    h.append(std::vector{a});
    EXPECT_FALSE(h.enabled());
    EXPECT_EQ(a->seq(), 1U);
    EXPECT_FALSE(h.after("a").found);
    EXPECT_EQ(h.current().events, 0U);
}

TEST(EventHistory, AnUnknownCursorIsAGap) {
    event_history h({});
    append(h, {"a"});
    const auto s = h.after("nope");
    EXPECT_FALSE(s.found);
    EXPECT_EQ(s.newest, 1U);
}

}  // namespace
