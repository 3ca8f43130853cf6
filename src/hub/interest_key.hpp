#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "subscription/constraint_key.hpp"
#include "subscription/extractors.hpp"

namespace rig::hub {

// What interest_map needs of an event, hashed once when the event is made: every shard's
// filter is then asked with a few array reads, not by hashing the type and values again per
// shard and per question.
struct interest_key {
    // Values kept in place (no allocation per event); an event carrying more extracted values
    // than this is never ruled out by its values (`complete` false).
    static constexpr std::size_t max_values = 4;

    std::size_t type_hash = 0;
    // One hash per field value the event carries (its filing under that value).
    std::array<std::size_t, max_values> values{};
    uint8_t value_count = 0;
    // Whether the fields were read with the type's extractors (else the index evaluates every
    // subscriber of the type) and all their values are here: only then can values rule an
    // event out.
    bool complete = false;

    static interest_key of(std::string_view type, const subscription::event_fields& fields);
    static std::size_t hash_type(std::string_view type);
    // The filing of `type_hash`'s type under `value`, or (null) its "scanned" marker.
    static std::size_t filing(std::size_t type_hash,
                              const subscription::constraint_key_view* value);
};

}  // namespace rig::hub
