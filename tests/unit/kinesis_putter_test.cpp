#include "proxy/kinesis_putter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using rig::proxy::kinesis_putter;
using rig::proxy::kinesis_putter_options;
using rig::proxy::produce_counters;

// PutRecord itself is covered end to end (kinesalite); here, what happens around it.

TEST(KinesisPutter, AFailedPutIsCountedAndCompleted) {
    kinesis_putter_options options;
    options.account.endpoint = "http://127.0.0.1:1/";  // refuses connections
    produce_counters counters;
    std::atomic<int> completed{0};
    std::atomic<bool> result{true};
    {
        kinesis_putter putter(options, counters);
        EXPECT_TRUE(putter.put("stream", "", "data", [&](bool ok) {
            result = ok;
            ++completed;
        }));
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (completed == 0 && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    EXPECT_EQ(completed, 1);
    EXPECT_FALSE(result);
    ASSERT_EQ(counters.counts().size(), 1u);
    EXPECT_EQ(counters.counts()[0].topic, "stream");
    EXPECT_EQ(counters.counts()[0].failed, 1u);
    EXPECT_EQ(counters.produced(), 0u);
}

TEST(KinesisPutter, AFullQueueFailsAtOnce) {
    kinesis_putter_options options;
    options.account.endpoint = "http://127.0.0.1:1/";
    options.queue_limit = 0;
    produce_counters counters;
    kinesis_putter putter(options, counters);
    bool called = false;
    EXPECT_FALSE(putter.put("s", "k", "d", [&](bool) { called = true; }));
    EXPECT_FALSE(called);
    EXPECT_EQ(counters.failed(), 1u);
}

TEST(KinesisPutter, ShutdownCompletesWhatIsQueued) {
    kinesis_putter_options options;
    options.account.endpoint = "http://127.0.0.1:1/";
    options.drain_timeout = std::chrono::milliseconds(0);
    produce_counters counters;
    std::atomic<int> completed{0};
    {
        kinesis_putter putter(options, counters);
        for (int i = 0; i < 50; ++i) {
            putter.put("s", "", "d", [&](bool) { ++completed; });
        }
    }
    EXPECT_EQ(completed, 50);
    EXPECT_EQ(counters.failed(), 50u);
}

}  // namespace
