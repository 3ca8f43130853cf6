#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rig::sources {

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

    // Counters of one topic, for a consumer that counts many messages of the same topic:
    // the pointer stays valid as long as the status.
    struct topic_counter {
        std::atomic<uint64_t> consumed{0};
        std::atomic<uint64_t> failed{0};
        void count(bool ok) {
            consumed.fetch_add(1, std::memory_order_relaxed);
            if (!ok) {
                failed.fetch_add(1, std::memory_order_relaxed);
            }
        }
    };
    topic_counter& counter(std::string_view topic);

    struct topic_counts {
        std::string topic;
        uint64_t consumed = 0;
        uint64_t failed = 0;
    };
    std::vector<topic_counts> counts() const;

private:
    std::string name_;
    std::atomic<bool> connected_{false};
    std::atomic<int> assigned_{-1};
    mutable std::mutex mutex_;
    std::string detail_;
    std::map<std::string, topic_counter, std::less<>> counts_;
};

}  // namespace rig::sources
