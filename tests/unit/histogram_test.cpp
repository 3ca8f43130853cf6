#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace {

using rig::core::histogram;

// RIG's buckets of rig_consumed_event_processing_duration_milliseconds, in microseconds.
constexpr std::array<uint64_t, 12> rig_bounds{1000,  2000,   5000,   10000,  25000,  50000,
                                              75000, 100000, 250000, 500000, 750000, 1000000};

TEST(Histogram, ObservationsLandInTheFirstBucketWhoseBoundIsNotBelowThem) {
    histogram h(rig_bounds);
    h.observe(0);
    h.observe(1000);  // le is inclusive
    h.observe(1001);
    h.observe(2'000'000);  // above every bound
    const auto c = h.snapshot();
    EXPECT_EQ(c.buckets[0], 2u);
    EXPECT_EQ(c.buckets[1], 1u);
    EXPECT_EQ(c.buckets[12], 1u);
    EXPECT_EQ(c.count, 4u);
    EXPECT_EQ(c.sum, 1000u + 1001u + 2'000'000u);
}

TEST(Histogram, ObserveManyCountsEachAndSumsValueTimesN) {
    histogram h(rig_bounds);
    h.observe(3000, 5);
    const auto c = h.snapshot();
    EXPECT_EQ(c.buckets[2], 5u);
    EXPECT_EQ(c.count, 5u);
    EXPECT_EQ(c.sum, 15000u);
}

TEST(Histogram, RendersCumulativeBucketsInTheGivenUnit) {
    histogram h(rig_bounds);
    h.observe(500);
    h.observe(1500);
    h.observe(2'000'000);
    const std::string text =
        rig::core::render_histogram("x_ms", "source=\"kafka\"", h.bounds(), h.snapshot(), 1000);
    EXPECT_NE(text.find("x_ms_bucket{source=\"kafka\",le=\"1\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_ms_bucket{source=\"kafka\",le=\"2\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_ms_bucket{source=\"kafka\",le=\"1000\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("x_ms_bucket{source=\"kafka\",le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("x_ms_sum{source=\"kafka\"} 2002\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_ms_count{source=\"kafka\"} 3\n"), std::string::npos);
}

TEST(Histogram, RendersWithoutLabels) {
    static constexpr std::array<uint64_t, 2> bounds{500, 1000};
    histogram h(bounds);
    h.observe(700);
    const std::string text =
        rig::core::render_histogram("y_seconds", "", h.bounds(), h.snapshot(), 1e6);
    EXPECT_NE(text.find("y_seconds_bucket{le=\"0.0005\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("y_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("y_seconds_sum 0.0007\n"), std::string::npos) << text;
    EXPECT_NE(text.find("y_seconds_count 1\n"), std::string::npos) << text;
}

TEST(Histogram, ConcurrentWritersLoseNoCounts) {
    histogram h(rig_bounds);
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
        writers.emplace_back([&h, t] {
            for (int i = 0; i < 10000; ++i) {
                h.observe(static_cast<uint64_t>(t) * 30000);
            }
        });
    }
    for (auto& w : writers) {
        w.join();
    }
    const auto c = h.snapshot();
    EXPECT_EQ(c.count, 40000u);
    uint64_t total = 0;
    for (auto b : c.buckets) {
        total += b;
    }
    EXPECT_EQ(total, 40000u);
}

TEST(Histogram, RefusesMoreBoundsThanItHasBuckets) {
    static constexpr std::array<uint64_t, histogram::max_buckets + 1> too_many{};
    EXPECT_THROW(histogram{too_many}, std::invalid_argument);
}

TEST(Histogram, EscapesLabelValues) {
    EXPECT_EQ(rig::core::escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
