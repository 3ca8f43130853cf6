#include "sources/source_status.hpp"

namespace rig::sources {

void source_status::set_connected(bool connected, std::string_view detail) {
    std::lock_guard lock(mutex_);
    connected_.store(connected, std::memory_order_relaxed);
    detail_ = std::string(detail);
}

std::string source_status::detail() const {
    std::lock_guard lock(mutex_);
    return detail_;
}

source_status::topic_counter& source_status::counter(std::string_view topic) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(topic);
    if (it == counts_.end()) {
        it = counts_.try_emplace(std::string(topic)).first;
    }
    return it->second;
}

void source_status::consumed(std::string_view topic, bool ok) {
    counter(topic).count(ok);
}

std::vector<source_status::topic_counts> source_status::counts() const {
    std::lock_guard lock(mutex_);
    std::vector<topic_counts> out;
    for (const auto& [name, c] : counts_) {
        out.push_back({name, c.consumed.load(std::memory_order_relaxed),
                       c.failed.load(std::memory_order_relaxed), c.processing.snapshot(),
                       c.lag.load(std::memory_order_relaxed)});
    }
    return out;
}

}  // namespace rig::sources
