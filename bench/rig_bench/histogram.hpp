#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rig::bench {

// Latency histogram in microseconds: 1 µs buckets below 1 ms, 10 µs up to 10 ms, 100 µs up to
// 100 ms, 1 ms up to 10 s. Merged across processes by adding counts.
class histogram {
public:
    void record_us(uint64_t us) {
        ++counts_[bucket(us)];
        ++total_;
    }
    uint64_t total() const { return total_; }

    // The value below which `q` (0..1) of the samples fall, in microseconds.
    double quantile_us(double q) const;

    // Sparse "index:count,index:count" text, and its inverse (for worker → parent).
    std::string serialize() const;
    void merge_serialized(const std::string& text);

private:
    static constexpr std::size_t size = 1000 + 900 + 900 + 9900 + 1;
    static std::size_t bucket(uint64_t us);
    static double value_of(std::size_t bucket);

    std::array<uint64_t, size> counts_{};
    uint64_t total_ = 0;
};

}  // namespace rig::bench
