#include "hub/interest_map.hpp"

#include <boost/container_hash/hash.hpp>

namespace rig::hub {

interest_map::interest_map() : counts_(std::make_unique<buckets>()) {}

std::size_t interest_map::slot(std::string_view key, bool wildcard) {
    std::size_t h = boost::hash_range(key.begin(), key.end());
    if (wildcard) {
        boost::hash_combine(h, 0x9e3779b9U);
    }
    return h & (bucket_count - 1);
}

void interest_map::add(std::string_view key, bool wildcard) {
    (*counts_)[slot(key, wildcard)].fetch_add(1, std::memory_order_release);
    if (wildcard) {
        wildcard_keys_.fetch_add(1, std::memory_order_release);
    }
}

void interest_map::remove(std::string_view key, bool wildcard) {
    (*counts_)[slot(key, wildcard)].fetch_sub(1, std::memory_order_release);
    if (wildcard) {
        wildcard_keys_.fetch_sub(1, std::memory_order_release);
    }
}

bool interest_map::may_match(std::string_view type) const {
    if ((*counts_)[slot(type, false)].load(std::memory_order_acquire) != 0) {
        return true;
    }
    if (wildcard_keys_.load(std::memory_order_acquire) == 0) {
        return false;
    }
    // Wildcard prefixes: every dot-separated prefix, and the type itself.
    std::size_t dot = 0;
    for (;;) {
        dot = type.find('.', dot);
        if ((*counts_)[slot(type.substr(0, dot), true)].load(std::memory_order_acquire) != 0) {
            return true;
        }
        if (dot == std::string_view::npos) {
            return false;
        }
        ++dot;
    }
}

}  // namespace rig::hub
