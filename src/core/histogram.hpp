#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rig::core {

// A Prometheus histogram over integer observations (microseconds, say) with fixed upper
// bounds: a counter per bucket, the observation count and their sum. Observing costs a short
// scan of the bounds and three relaxed atomic adds, no lock and no allocation; the bounds are
// a static array given at construction (at most max_buckets of them).
//
// Owned by whoever records into it (a shard's stats, a source's topic counter); it lives as
// long as its owner. observe() may run on any thread (writers do not lose counts to each
// other); render() and snapshot() may run concurrently with it on another thread, and see
// each counter at some recent value (a scrape may catch a count without its sum yet).
class histogram {
public:
    static constexpr std::size_t max_buckets = 16;

    // `bounds`: ascending upper bounds (inclusive, as Prometheus' `le`), in the unit of
    // observe(); the array must outlive the histogram.
    explicit histogram(std::span<const uint64_t> bounds);
    histogram(const histogram&) = delete;
    histogram& operator=(const histogram&) = delete;
    ~histogram() = default;

    // `n` observations of `value`.
    void observe(uint64_t value, uint64_t n = 1) {
        std::size_t i = 0;
        while (i < bounds_.size() && value > bounds_[i]) {
            ++i;
        }
        buckets_[i].fetch_add(n, std::memory_order_relaxed);
        count_.fetch_add(n, std::memory_order_relaxed);
        sum_.fetch_add(value * n, std::memory_order_relaxed);
    }

    // A copy of the counters: per bucket (not cumulative; the last is above every bound).
    struct counts {
        std::array<uint64_t, max_buckets + 1> buckets{};
        uint64_t count = 0;
        uint64_t sum = 0;
        counts& operator+=(const counts& o);
    };
    counts snapshot() const;
    std::span<const uint64_t> bounds() const { return bounds_; }

private:
    std::span<const uint64_t> bounds_;
    std::array<std::atomic<uint64_t>, max_buckets + 1> buckets_{};
    std::atomic<uint64_t> count_{0};
    std::atomic<uint64_t> sum_{0};
};

// The sample lines of a histogram in the Prometheus text format: name_bucket{labels,le="..."}
// cumulative, name_bucket{...,le="+Inf"}, name_sum, name_count. `labels` is a label list
// without braces ("" for none; values already escaped); bounds and sum are divided by `unit`
// (1000 renders microseconds as milliseconds).
std::string render_histogram(std::string_view name, std::string_view labels,
                             std::span<const uint64_t> bounds, const histogram::counts& c,
                             double unit);

// A label value escaped for the text format: backslash, double quote and line feed.
std::string escape_label_value(std::string_view v);

}  // namespace rig::core
