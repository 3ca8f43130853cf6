#include "auth/session_blacklist.hpp"

#include <algorithm>
#include <mutex>

namespace rig::auth {

bool session_blacklist::add(std::string_view session, clock::time_point expires) {
    std::unique_lock lock(mutex_);
    // Expired entries go when the map has doubled since the last sweep: lookups ignore them
    // anyway, and the sweep's cost is spread over the adds that grew the map.
    if (entries_.size() >= 2 * std::max<std::size_t>(swept_size_, 64)) {
        const auto now = clock::now();
        std::erase_if(entries_, [&](const auto& e) { return e.second <= now; });
        swept_size_ = entries_.size();
    }
    auto [it, inserted] = entries_.try_emplace(std::string(session), expires);
    if (!inserted && it->second >= expires) {
        return false;
    }
    it->second = expires;
    ++adds_;
    return true;
}

uint64_t session_blacklist::adds() const {
    std::shared_lock lock(mutex_);
    return adds_;
}

bool session_blacklist::contains(std::string_view session, clock::time_point now) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(session);
    return it != entries_.end() && it->second > now;
}

std::size_t session_blacklist::purge(clock::time_point now) {
    std::unique_lock lock(mutex_);
    std::erase_if(entries_, [&](const auto& e) { return e.second <= now; });
    return entries_.size();
}

std::size_t session_blacklist::size() const {
    std::shared_lock lock(mutex_);
    return entries_.size();
}

}  // namespace rig::auth
