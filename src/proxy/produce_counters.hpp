#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rig::proxy {

// Per topic (Kafka topic, Kinesis stream, NATS subject), how many messages a producer got to
// its broker and how many it failed to: rig_produced_events_total and
// rig_produced_events_failed_total (spec §11.1).
//
// @par Thread safety
// All members may be called from any thread.
class produce_counters {
public:
    struct topic_counter {
        std::atomic<uint64_t> produced{0};
        std::atomic<uint64_t> failed{0};
        void count(bool ok) { (ok ? produced : failed).fetch_add(1, std::memory_order_relaxed); }
    };

    // The counters of `topic`; the reference stays valid as long as this object.
    topic_counter& counter(std::string_view topic);
    void count(std::string_view topic, bool ok) { counter(topic).count(ok); }

    struct topic_counts {
        std::string topic;
        uint64_t produced = 0;
        uint64_t failed = 0;
    };
    std::vector<topic_counts> counts() const;

    // Over all topics.
    uint64_t produced() const;
    uint64_t failed() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, topic_counter, std::less<>> counters_;
};

// rig_produced_events_total and rig_produced_events_failed_total{target,topic} (spec §11.1)
// over the producers of each target, HELP and TYPE lines included.
std::string render_produce_metrics(
    const std::vector<std::pair<std::string_view, const produce_counters*>>& targets);

}  // namespace rig::proxy
