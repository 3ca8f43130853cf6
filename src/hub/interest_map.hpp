#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "hub/interest_key.hpp"
#include "subscription/constraint_key.hpp"

namespace rig::hub {

// Which events a shard might have subscribers for, readable from any thread: counting filters
// over the keys of the shard's index (exact types and wildcard prefixes) and over how each
// exact type's bucket files its members (under constraint values, or scanned for every event).
// A publisher skips a shard whose filters say "no", so that events nobody there wants are not
// posted, woken up for or encoded: with 10,000 subscribers each constrained to a user of its
// own, an event for one user goes to one shard, and one for nobody to none.
// False positives (hash collisions) only cost a post; there are no false negatives once the
// index update has been made.
//
// @par Thread safety
// add()/remove()/add_filing()/remove_filing() from the owning shard's thread; may_match() and
// may_want() from any thread.
class interest_map {
public:
    interest_map();

    void add(std::string_view key, bool wildcard);
    void remove(std::string_view key, bool wildcard);

    // subscription_index::filing_observer: the exact type `type` files members under `value`,
    // or (null) scans some for every event.
    void add_filing(std::string_view type, const subscription::constraint_key_view* value);
    void remove_filing(std::string_view type, const subscription::constraint_key_view* value);

    // False only if no exact key equals `type` and no wildcard prefix covers it.
    bool may_match(std::string_view type) const;

    // False only if no subscription here can match an event of `type` carrying `fields`: no
    // wildcard prefix covers the type, and its exact key is absent or files its members only
    // under constraint values the event does not carry.
    bool may_want(std::string_view type, const interest_key& key) const;

private:
    static constexpr std::size_t bucket_count = 1 << 16;
    static constexpr std::size_t filing_count = 1 << 17;
    static std::size_t slot(std::string_view key, bool wildcard);
    bool wildcard_covers(std::string_view type) const;
    std::atomic<uint32_t>& filing_count_of(std::string_view type,
                                           const subscription::constraint_key_view* value);

    // On the heap (256 and 512 KiB); make_unique value-initialises the atomics to zero.
    using buckets = std::array<std::atomic<uint32_t>, bucket_count>;
    using filings = std::array<std::atomic<uint32_t>, filing_count>;
    std::unique_ptr<buckets> counts_;
    std::unique_ptr<filings> filings_;
    std::atomic<uint32_t> wildcard_keys_{0};
};

}  // namespace rig::hub
