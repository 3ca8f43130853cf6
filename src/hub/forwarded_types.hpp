#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rig::hub {

// Transparent hashing, so that a string_view finds a std::string key without a copy.
struct string_view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The event types rig_consumed_events_forwarded_total has a `type` label value for: the first
// `capacity` distinct types forwarded on this node (RIG_METRICS_MAX_EVENT_TYPES), in order of
// first sight; every later type is counted under the label value `overflow_label`. A type keeps
// its id for the node's life, so a series never moves from a type to the overflow.
//
// Owned by hub::hub (node-wide). admit() and names() lock; a shard calls admit() only for a
// type its own forwarded_counts has not seen yet while there is room left, so at most once
// per type per shard. Once full the table never changes again, and find() reads it without
// a lock.
class forwarded_types {
public:
    static constexpr std::string_view overflow_label = "[other]";

    explicit forwarded_types(std::size_t capacity) : capacity_(capacity) {}

    std::size_t capacity() const { return capacity_; }
    // No type will be admitted any more: every unseen type is overflow.
    bool full() const { return full_.load(std::memory_order_acquire); }
    // The id of `type` (admitted now if there is room), or capacity() for the overflow.
    uint32_t admit(std::string_view type);
    // Once full(): the id of `type`, or capacity() for the overflow; no lock.
    uint32_t find(std::string_view type) const {
        const auto it = ids_.find(type);
        return it != ids_.end() ? it->second : static_cast<uint32_t>(capacity_);
    }
    // The admitted types, by id.
    std::vector<std::string> names() const;

private:
    const std::size_t capacity_;
    std::atomic<bool> full_{false};
    mutable std::mutex mutex_;
    std::unordered_map<std::string, uint32_t, string_view_hash, std::equal_to<>> ids_;
    std::vector<std::string> names_;
};

// One shard's counts of forwarded events by type id (forwarded_types), the overflow last.
//
// Owned by the shard's shard_hub; count() runs only on that shard's thread, read() on any
// (relaxed atomics, summed over shards on scrape). Bounded: at most capacity + 1 counters and
// capacity cached ids.
class forwarded_counts {
public:
    explicit forwarded_counts(forwarded_types& types)
        : types_(types), counts_(types.capacity() + 1) {}

    void count(std::string_view type) {
        uint32_t id = 0;
        if (auto it = ids_.find(type); it != ids_.end()) {
            id = it->second;
        } else {
            // Another shard may have admitted it: only admitted types are cached, so the
            // cache stays within the bound however many types overflow.
            id = types_.full() ? types_.find(type) : types_.admit(type);
            if (id < types_.capacity()) {
                ids_.emplace(std::string(type), id);
            }
        }
        auto& c = counts_[id];
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    uint64_t read(std::size_t id) const { return counts_[id].load(std::memory_order_relaxed); }

private:
    forwarded_types& types_;
    std::unordered_map<std::string, uint32_t, string_view_hash, std::equal_to<>> ids_;
    // Sized once; value-initialised atomics (zero), never resized.
    std::vector<std::atomic<uint64_t>> counts_;
};

}  // namespace rig::hub
