#include "hub/forwarded_types.hpp"

namespace rig::hub {

uint32_t forwarded_types::admit(std::string_view type) {
    std::lock_guard lock(mutex_);
    if (auto it = ids_.find(type); it != ids_.end()) {
        return it->second;
    }
    if (names_.size() >= capacity_) {
        full_.store(true, std::memory_order_release);
        return static_cast<uint32_t>(capacity_);
    }
    const auto id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(type);
    ids_.emplace(std::string(type), id);
    if (names_.size() == capacity_) {
        full_.store(true, std::memory_order_release);  // ids_ is frozen from here on
    }
    return id;
}

std::vector<std::string> forwarded_types::names() const {
    std::lock_guard lock(mutex_);
    return names_;
}

}  // namespace rig::hub
