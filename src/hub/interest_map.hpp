#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace rig::hub {

// Which event types a shard might have subscribers for, readable from any thread: a counting
// filter over the keys of the shard's index (exact types and wildcard prefixes). A publisher
// skips a shard whose filter says "no", so that events nobody wants are not posted, woken up
// for or encoded. False positives (hash collisions) only cost a post; there are no false
// negatives once the index update has been made.
//
// @par Thread safety
// add()/remove() from the owning shard's thread; may_match() from any thread.
class interest_map {
public:
    interest_map();

    void add(std::string_view key, bool wildcard);
    void remove(std::string_view key, bool wildcard);

    // False only if no exact key equals `type` and no wildcard prefix covers it.
    bool may_match(std::string_view type) const;

private:
    static constexpr std::size_t bucket_count = 1 << 16;
    static std::size_t slot(std::string_view key, bool wildcard);

    // On the heap (256 KiB); make_unique value-initialises the atomics to zero.
    using buckets = std::array<std::atomic<uint32_t>, bucket_count>;
    std::unique_ptr<buckets> counts_;
    std::atomic<uint32_t> wildcard_keys_{0};
};

}  // namespace rig::hub
