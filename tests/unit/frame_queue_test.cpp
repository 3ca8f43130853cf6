#include "transport/frame_queue.hpp"

#include <gtest/gtest.h>

namespace {

using rig::core::static_frame;
using rig::transport::frame_queue;

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

}  // namespace
