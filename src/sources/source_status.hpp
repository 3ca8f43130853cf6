#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "brokers/lease_counters.hpp"
#include "core/histogram.hpp"

namespace rig::sources {

// RIG's buckets of rig_consumed_event_processing_duration_milliseconds (1 ms to 1 s), kept in
// microseconds.
inline constexpr std::array<uint64_t, 12> processing_duration_bounds_us{
    1000, 2000, 5000, 10000, 25000, 50000, 75000, 100000, 250000, 500000, 750000, 1000000};

// Microseconds since `start`: a processing-duration observation.
inline uint64_t micros_since(std::chrono::steady_clock::time_point start) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count());
}

// Health and counters of one event source (kafka, nats, kinesis): whether it is connected
// (and why not), and per topic how many messages it consumed and how many failed to parse.
// Read by the internal API (/metrics, /health/sources).
//
// @par Thread safety
// All members may be called from any thread.
class source_status {
public:
    explicit source_status(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }

    void set_connected(bool connected, std::string_view detail = {});
    bool connected() const { return connected_.load(std::memory_order_relaxed); }
    std::string detail() const;

    // Kafka: partitions currently assigned to this node's consumer (-1: not applicable).
    void set_assigned(int partitions) { assigned_.store(partitions, std::memory_order_relaxed); }
    int assigned() const { return assigned_.load(std::memory_order_relaxed); }

    void consumed(std::string_view topic, bool ok);

    // Kinesis with KINESIS_APP_NAME: the shard leases (held stays -1 otherwise).
    brokers::lease_counters& leases() { return leases_; }
    const brokers::lease_counters& leases() const { return leases_; }

    // Counters of one topic, for a consumer that counts many messages of the same topic:
    // the pointer stays valid as long as the status.
    struct topic_counter {
        std::atomic<uint64_t> consumed{0};
        std::atomic<uint64_t> failed{0};
        // Consume → hand-off to the shards, recorded by the source's own thread.
        core::histogram processing{processing_duration_bounds_us};
        // Kafka: messages of the assigned partitions beyond the consumer's position (-1:
        // not known, other sources).
        std::atomic<int64_t> lag{-1};
        // Kinesis: the largest MillisBehindLatest of the stream's shards at their last reads
        // (-1: not known, other sources).
        std::atomic<int64_t> lag_ms{-1};
        // `n` messages consumed, of which the failures are counted one by one (count_failure):
        // a source that takes batches counts each batch at once.
        void count_consumed(uint64_t n) { consumed.fetch_add(n, std::memory_order_relaxed); }
        void count_failure() { failed.fetch_add(1, std::memory_order_relaxed); }
        // One message.
        void count(bool ok) {
            count_consumed(1);
            if (!ok) {
                count_failure();
            }
        }
    };
    topic_counter& counter(std::string_view topic);

    struct topic_counts {
        std::string topic;
        uint64_t consumed = 0;
        uint64_t failed = 0;
        core::histogram::counts processing;
        int64_t lag = -1;
        int64_t lag_ms = -1;
    };
    std::vector<topic_counts> counts() const;

private:
    std::string name_;
    std::atomic<bool> connected_{false};
    std::atomic<int> assigned_{-1};
    brokers::lease_counters leases_;
    mutable std::mutex mutex_;
    std::string detail_;
    std::map<std::string, topic_counter, std::less<>> counts_;
};

}  // namespace rig::sources
