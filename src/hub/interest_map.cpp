#include "hub/interest_map.hpp"

#include <boost/container_hash/hash.hpp>

namespace rig::hub {

namespace {

std::size_t type_hash(std::string_view type) {
    return boost::hash_range(type.begin(), type.end());
}

}  // namespace

interest_map::interest_map()
    : counts_(std::make_unique<buckets>()), filings_(std::make_unique<filings>()) {}

std::size_t interest_map::slot(std::string_view key, bool wildcard) {
    std::size_t h = type_hash(key);
    if (wildcard) {
        boost::hash_combine(h, 0x9e3779b9U);
    }
    return h & (bucket_count - 1);
}

std::size_t interest_map::filing_slot(std::size_t type_hash,
                                      const subscription::constraint_key_view* value) {
    // The scanned marker is a value no constraint key hashes to on purpose; should one
    // collide, the type is only taken as scanned (a false positive).
    boost::hash_combine(type_hash, value != nullptr ? subscription::constraint_key_hash{}(*value)
                                                    : std::size_t{0x5ca22edU});
    return type_hash & (filing_count - 1);
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

void interest_map::add_filing(std::string_view type,
                              const subscription::constraint_key_view* value) {
    (*filings_)[filing_slot(type_hash(type), value)].fetch_add(1, std::memory_order_release);
}

void interest_map::remove_filing(std::string_view type,
                                 const subscription::constraint_key_view* value) {
    (*filings_)[filing_slot(type_hash(type), value)].fetch_sub(1, std::memory_order_release);
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

bool interest_map::may_want(std::string_view type, const subscription::event_fields& fields) const {
    const std::size_t h = type_hash(type);
    if ((*counts_)[h & (bucket_count - 1)].load(std::memory_order_acquire) == 0) {
        return wildcard_covers(type);
    }
    // Events extracted without the type's rules are evaluated against everyone by the index.
    if (fields.extractor == nullptr ||
        (*filings_)[filing_slot(h, nullptr)].load(std::memory_order_acquire) != 0) {
        return true;
    }
    for (std::size_t i = 0; i < fields.values.size(); ++i) {
        if (const auto& v = fields.values[i]) {
            const subscription::constraint_key_view key{static_cast<uint32_t>(i), v->key()};
            if ((*filings_)[filing_slot(h, &key)].load(std::memory_order_acquire) != 0) {
                return true;
            }
        }
    }
    return wildcard_covers(type);
}

}  // namespace rig::hub
