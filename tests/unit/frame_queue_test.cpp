#include "transport/frame_queue.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>

namespace {

using rig::core::conflation_key;
using rig::core::frame;
using rig::core::static_frame;
using rig::transport::frame_queue;

conflation_key key_of(std::string type, std::string value) {
    conflation_key k;
    k.text = type + "\n" + value;
    k.hash = std::hash<std::string>{}(k.text);
    return k;
}

// A frame of a keyed event (the key outlives the queue in these tests).
frame keyed(std::string_view bytes, const conflation_key& k) {
    return {nullptr, bytes, &k};
}

std::string waiting(const frame_queue& q) {
    std::string out;
    for (const auto& f : q.pending()) {
        out += std::string(f.bytes) + " ";
    }
    return out;
}

TEST(FrameQueue, BoundsTheWaitingBytesButNotTheWriteInFlight) {
    frame_queue q(10);
    EXPECT_EQ(q.push(static_frame("123456")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("12345")), frame_queue::verdict::overflow);
    auto batch = q.begin_write();
    EXPECT_EQ(batch.size(), 1U);
    EXPECT_TRUE(q.writing());
    EXPECT_EQ(q.pending_bytes(), 0U);
    EXPECT_EQ(q.push(static_frame("12345")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("12345")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("1")), frame_queue::verdict::overflow);
    q.end_write();
    EXPECT_FALSE(q.writing());
    EXPECT_EQ(q.begin_write().size(), 2U);
}

TEST(FrameQueue, AnEmptyQueueTakesAnyOneFrame) {
    frame_queue q(4);
    EXPECT_EQ(q.push(static_frame("larger than the bound")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("x")), frame_queue::verdict::overflow);
}

TEST(FrameQueue, EvictingKeepsTheNewestWithinCountAndBytes) {
    frame_queue q(10);
    for (const char* f : {"aaaa", "bbbb", "cccc"}) {
        q.push_evicting(static_frame(f), 2);
    }
    ASSERT_EQ(q.pending().size(), 2U);
    EXPECT_EQ(q.pending()[0].bytes, "bbbb");
    q.push_evicting(static_frame("dddddddd"), 5);
    ASSERT_EQ(q.pending().size(), 1U) << "bytes bound";
    EXPECT_EQ(q.pending()[0].bytes, "dddddddd");
    q.push_evicting(static_frame("the newest always stays"), 5);
    ASSERT_EQ(q.pending().size(), 1U);
}

TEST(FrameQueue, ClearPendingLeavesTheWriteInFlight) {
    frame_queue q(100);
    q.push(static_frame("in flight"));
    auto batch = q.begin_write();
    q.push(static_frame("waiting"));
    q.clear_pending();
    EXPECT_FALSE(q.has_pending());
    EXPECT_EQ(batch[0].bytes, "in flight");
}

TEST(FrameQueue, AReplayIsNotJudgedByTheBoundButWhatFollowsIs) {
    frame_queue q(10);
    q.push_exempt(static_frame("replayed, longer than the bound"));
    q.push_exempt(static_frame("and more"));
    EXPECT_EQ(q.push(static_frame("12345678")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("123")), frame_queue::verdict::overflow);
    EXPECT_EQ(q.begin_write().size(), 3U);
    q.end_write();
    EXPECT_EQ(q.push(static_frame("1234567890")), frame_queue::verdict::queued);
}

TEST(FrameQueueConflation, PastHalfANewerEventReplacesTheWaitingOneInPlace) {
    const auto a = key_of("price", "\"a\"");
    const auto b = key_of("price", "\"b\"");
    frame_queue q(20);
    EXPECT_EQ(q.push(keyed("a1a1a1", a)), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(keyed("b1b1b1", b)), frame_queue::verdict::queued);
    ASSERT_GT(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(keyed("a2a2a2a2", a)), frame_queue::verdict::conflated);
    EXPECT_EQ(waiting(q), "a2a2a2a2 b1b1b1 ") << "same position, newer event";
    EXPECT_EQ(q.pending_bytes(), 14U) << "bytes follow the swap";
    EXPECT_EQ(q.push(keyed("b2", b)), frame_queue::verdict::conflated);
    EXPECT_EQ(waiting(q), "a2a2a2a2 b2 ");
    EXPECT_EQ(q.pending_bytes(), 10U);
}

TEST(FrameQueueConflation, AtOrBelowHalfEveryEventQueues) {
    const auto a = key_of("price", "1");
    frame_queue q(20);
    EXPECT_EQ(q.push(keyed("a1a1a", a)), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(keyed("a2a2a", a)), frame_queue::verdict::queued);
    ASSERT_EQ(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(keyed("a3a3a", a)), frame_queue::verdict::queued)
        << "exactly half is not past half";
    EXPECT_EQ(q.push(keyed("a4a4a", a)), frame_queue::verdict::conflated);
    EXPECT_EQ(waiting(q), "a1a1a a2a2a a4a4a ")
        << "the newest waiting one is replaced, so older states never follow newer ones";
}

TEST(FrameQueueConflation, AFrameInTheWriteInFlightIsNeverReplaced) {
    const auto a = key_of("price", "1");
    const auto other = key_of("price", "2");
    frame_queue q(20);
    q.push(keyed("a1a1a1a1a1a1", a));
    const auto batch = q.begin_write();  // may be partly sent by now
    q.push(keyed("o1o1o1o1o1o1", other));
    ASSERT_GT(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(keyed("a2", a)), frame_queue::verdict::queued);
    EXPECT_EQ(batch[0].bytes, "a1a1a1a1a1a1");
    EXPECT_EQ(waiting(q), "o1o1o1o1o1o1 a2 ");
}

TEST(FrameQueueConflation, OtherKeysAndOtherTypesAreKept) {
    const auto a = key_of("price", "1");
    const auto a_text = key_of("price", "\"1\"");
    const auto a_other_type = key_of("volume", "1");
    frame_queue q(20);
    q.push(keyed("a1a1a1a1a1a1", a));
    ASSERT_GT(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(keyed("s1", a_text)), frame_queue::verdict::queued) << "1 is not \"1\"";
    EXPECT_EQ(q.push(keyed("v1", a_other_type)), frame_queue::verdict::queued);
    EXPECT_EQ(waiting(q), "a1a1a1a1a1a1 s1 v1 ");
}

TEST(FrameQueueConflation, FramesWithoutAKeyAreNeverReplacedAndReplaceNothing) {
    const auto a = key_of("price", "1");
    frame_queue q(20);
    q.push(static_frame("plain1plain1"));
    ASSERT_GT(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(static_frame("p2")), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(keyed("a1", a)), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(static_frame("p3")), frame_queue::verdict::queued);
    EXPECT_EQ(waiting(q), "plain1plain1 p2 a1 p3 ");
}

TEST(FrameQueueConflation, AReplacementThatStillExceedsTheBoundIsAnOverflow) {
    const auto a = key_of("price", "1");
    frame_queue q(20);
    q.push(keyed("a1", a));
    q.push(static_frame("padpadpadpadpad"));
    ASSERT_GT(q.pending_bytes(), 10U);
    EXPECT_EQ(q.push(keyed("a2a2a2a2a2", a)), frame_queue::verdict::overflow);
    EXPECT_EQ(waiting(q), "a1 padpadpadpadpad ") << "nothing changed";
    EXPECT_EQ(q.push(keyed("a3a3a", a)), frame_queue::verdict::conflated) << "fits: 20 bytes";
    EXPECT_EQ(q.pending_bytes(), 20U);
}

TEST(FrameQueueConflation, ManyKeysEachReplaceTheirOwn) {
    // Enough keys to grow the index several times.
    std::deque<conflation_key> keys;
    std::deque<std::string> bytes;
    frame_queue q(10000);
    const std::string pad(6000, 'p');
    q.push(static_frame(pad));
    for (int i = 0; i < 500; ++i) {
        keys.push_back(key_of("price", fmt::format("{}", i)));
        bytes.push_back(fmt::format("o{}", i));
        ASSERT_EQ(q.push(keyed(bytes.back(), keys.back())), frame_queue::verdict::queued);
    }
    for (int i = 499; i >= 0; --i) {
        bytes.push_back(fmt::format("n{}", i));
        ASSERT_EQ(q.push(keyed(bytes.back(), keys[static_cast<std::size_t>(i)])),
                  frame_queue::verdict::conflated)
            << i;
    }
    ASSERT_EQ(q.pending().size(), 501U);
    for (std::size_t i = 0; i < 500; ++i) {
        EXPECT_EQ(q.pending()[i + 1].bytes, fmt::format("n{}", i));
    }
}

TEST(FrameQueueConflation, KeysWithTheSameHashAreStillDifferentKeys) {
    conflation_key a = key_of("price", "1");
    conflation_key b = key_of("price", "2");
    b.hash = a.hash;
    frame_queue q(20);
    q.push(static_frame("padpadpadpa"));
    EXPECT_EQ(q.push(keyed("a1", a)), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(keyed("b1", b)), frame_queue::verdict::queued);
    EXPECT_EQ(q.push(keyed("b2", b)), frame_queue::verdict::conflated);
    EXPECT_EQ(q.push(keyed("a2", a)), frame_queue::verdict::conflated);
    EXPECT_EQ(waiting(q), "padpadpadpa a2 b2 ");
}

TEST(FrameQueueConflation, AfterAWriteBeginsTheNewWaitingFramesAreLookedUpAfresh) {
    const auto a = key_of("price", "a");
    const auto b = key_of("price", "b");
    frame_queue q(20);
    q.push(static_frame("padpadpadpa"));
    q.push(keyed("a1", a));
    q.push(keyed("b1", b));
    EXPECT_EQ(q.push(keyed("a2", a)), frame_queue::verdict::conflated);  // index built
    q.begin_write();
    q.push(keyed("b3b3b3b3b3b", b));
    EXPECT_EQ(q.push(keyed("a3", a)), frame_queue::verdict::queued) << "a2 is in flight";
    EXPECT_EQ(q.push(keyed("b4b4b4b4b4b", b)), frame_queue::verdict::conflated);
    EXPECT_EQ(q.push(keyed("a4", a)), frame_queue::verdict::conflated);
    EXPECT_EQ(waiting(q), "b4b4b4b4b4b a4 ");
}

}  // namespace
