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

void source_status::consumed(std::string_view topic, bool ok) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(topic);
    if (it == counts_.end()) {
        it = counts_.emplace(std::string(topic), topic_counts{std::string(topic), 0, 0}).first;
    }
    ++it->second.consumed;
    if (!ok) {
        ++it->second.failed;
    }
}

std::vector<source_status::topic_counts> source_status::counts() const {
    std::lock_guard lock(mutex_);
    std::vector<topic_counts> out;
    for (const auto& [name, c] : counts_) {
        out.push_back(c);
    }
    return out;
}

}  // namespace rig::sources
