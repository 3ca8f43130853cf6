#include "proxy/produce_counters.hpp"

#include <fmt/format.h>

namespace rig::proxy {

produce_counters::topic_counter& produce_counters::counter(std::string_view topic) {
    std::lock_guard lock(mutex_);
    auto it = counters_.find(topic);
    if (it == counters_.end()) {
        it = counters_.try_emplace(std::string(topic)).first;
    }
    return it->second;
}

std::vector<produce_counters::topic_counts> produce_counters::counts() const {
    std::lock_guard lock(mutex_);
    std::vector<topic_counts> out;
    out.reserve(counters_.size());
    for (const auto& [topic, c] : counters_) {
        out.push_back({topic, c.produced.load(std::memory_order_relaxed),
                       c.failed.load(std::memory_order_relaxed)});
    }
    return out;
}

uint64_t produce_counters::produced() const {
    uint64_t n = 0;
    for (const auto& c : counts()) {
        n += c.produced;
    }
    return n;
}

uint64_t produce_counters::failed() const {
    uint64_t n = 0;
    for (const auto& c : counts()) {
        n += c.failed;
    }
    return n;
}

std::string render_produce_metrics(
    const std::vector<std::pair<std::string_view, const produce_counters*>>& targets) {
    std::string produced =
        "# HELP rig_produced_events_total Events the API gateway got to their broker.\n"
        "# TYPE rig_produced_events_total counter\n";
    std::string failed =
        "# HELP rig_produced_events_failed_total Events the API gateway failed to produce.\n"
        "# TYPE rig_produced_events_failed_total counter\n";
    for (const auto& [target, counters] : targets) {
        for (const auto& c : counters->counts()) {
            const std::string labels = fmt::format(R"(target="{}",topic="{}")", target, c.topic);
            produced += fmt::format("rig_produced_events_total{{{}}} {}\n", labels, c.produced);
            failed += fmt::format("rig_produced_events_failed_total{{{}}} {}\n", labels, c.failed);
        }
    }
    return produced + failed;
}

}  // namespace rig::proxy
