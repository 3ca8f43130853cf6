#include "hub/interest_map.hpp"

#include <boost/container_hash/hash.hpp>

namespace rig::hub {

interest_map::interest_map()
    : counts_(std::make_unique<buckets>()), filings_(std::make_unique<filings>()) {}

std::size_t interest_map::slot(std::string_view key, bool wildcard) {
    std::size_t h = interest_key::hash_type(key);
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

std::atomic<uint32_t>& interest_map::filing_count_of(
    std::string_view type, const subscription::constraint_key_view* value) {
    return (
        *filings_)[interest_key::filing(interest_key::hash_type(type), value) & (filing_count - 1)];
}

void interest_map::add_filing(std::string_view type,
                              const subscription::constraint_key_view* value) {
    filing_count_of(type, value).fetch_add(1, std::memory_order_release);
}

void interest_map::remove_filing(std::string_view type,
                                 const subscription::constraint_key_view* value) {
    filing_count_of(type, value).fetch_sub(1, std::memory_order_release);
}

bool interest_map::wildcard_covers(std::string_view type) const {
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

bool interest_map::may_match(std::string_view type) const {
    return (*counts_)[slot(type, false)].load(std::memory_order_acquire) != 0 ||
           wildcard_covers(type);
}

bool interest_map::may_want(std::string_view type, const interest_key& key) const {
    if ((*counts_)[key.type_hash & (bucket_count - 1)].load(std::memory_order_acquire) == 0) {
        return wildcard_covers(type);
    }
    const auto filed = [this](std::size_t filing) {
        return (*filings_)[filing & (filing_count - 1)].load(std::memory_order_acquire) != 0;
    };
    if (!key.complete || filed(interest_key::filing(key.type_hash, nullptr))) {
        return true;
    }
    for (std::size_t i = 0; i < key.value_count; ++i) {
        if (filed(key.values[i])) {
            return true;
        }
    }
    return wildcard_covers(type);
}

}  // namespace rig::hub
