#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

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

    static conflation_key of(std::string_view type, std::string_view value_json) {
        conflation_key key;
        key.text.reserve(type.size() + 1 + value_json.size());
        key.text += type;
        key.text += '\n';
        key.text += value_json;
        key.hash = std::hash<std::string>{}(key.text);
        return key;
    }

    friend bool operator==(const conflation_key& a, const conflation_key& b) {
        return a.hash == b.hash && a.text == b.text;
    }
};

}  // namespace rig::core
