#pragma once

#include <cstddef>
#include <string>

namespace rig::core {

// What conflation compares (RIG_CONFLATION_KEY): an event's type and the value at the
// configured JSON pointer, as one text "<type>\n<value as JSON>" with its hash, both built once
// per event. The value's JSON never holds a raw line break, so the last one splits the text
// exactly. Owned by the event; a frame that carries the event points to it.
//
// @par Thread safety
// Immutable once built; shared across shards with its event.
struct conflation_key {
    std::size_t hash = 0;
    std::string text;

    friend bool operator==(const conflation_key& a, const conflation_key& b) {
        return a.hash == b.hash && a.text == b.text;
    }
};

}  // namespace rig::core
