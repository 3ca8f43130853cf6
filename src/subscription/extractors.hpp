#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/conflation_key.hpp"
#include "core/error.hpp"
#include "subscription/scalar.hpp"

namespace rig::subscription {

// One field of an event type in the EXTRACTORS configuration (spec §4.4): where its value
// sits in an event (`event.json_pointer`) and, optionally, in a JWT's claims
// (`jwt.json_pointer`, for subscriptions inferred from the token).
struct extractor_field {
    std::string name;
    uint64_t stable_field_index = 0;
    std::string event_pointer;
    std::optional<std::string> jwt_pointer;
};

// The fields declared for one event type, ordered by stable_field_index.
struct type_extractors {
    std::vector<extractor_field> fields;

    // Position of the field called `name` in `fields`, or -1 when the type has no such field.
    int find(std::string_view name) const;
};

// An event's values for the fields of its type, in the type's order. Types declare one or two
// fields as a rule: those are held in place, not allocated (per event, and freed per event
// when the history lets it go).
using field_values = boost::container::small_vector<std::optional<scalar>, 2>;

// The values an event carries for the fields of its type, extracted once per event.
// values[i] belongs to extractor->fields[i]; an absent value means the event has no scalar
// there (missing, null, object or array).
struct event_fields {
    const type_extractors* extractor = nullptr;
    std::span<const std::optional<scalar>> values;
};

// The parsed EXTRACTORS configuration. Immutable after start-up and shared by all shards.
class extractors {
public:
    extractors() = default;

    // Parses and validates the configuration text. Errors name the event type and field.
    static core::result<extractors> parse(std::string_view json_text);

    // The fields declared for `event_type`, or nullptr.
    const type_extractors* for_type(std::string_view event_type) const;

    // Evaluates the type's event pointers against an event document.
    static field_values extract(const type_extractors& type, const boost::json::value& event);

    // The same for an event's JSON text (valid JSON, as every event's is), read with simdjson
    // (core::scan_json) without building a document. Boost.JSON reads it instead when simdjson
    // refuses the text or a field holds a floating-point number, so every value is the one the
    // document overload gives (Boost.JSON's reading of a number's digits is what constraints,
    // parsed by Boost.JSON too, compare against).
    // `stamp_size`: cloud_event::stamp_size. The pointers that do not lead into the member rig
    // stamped are then read in the document the event's checks parsed, when core::scan_json
    // still holds it.
    static field_values extract(const type_extractors& type, std::string_view event_json,
                                std::size_t stamp_size = 0);

    const std::map<std::string, type_extractors, std::less<>>& types() const { return types_; }

    // RIG_CONFLATION_KEY: the JSON pointer of the value that, with the event type, names what
    // a newer event may replace in a lagging connection's queue; empty when conflation is off.
    // Kept here because it is extracted from each event once, like the fields above.
    const std::string& conflation_pointer() const { return conflation_pointer_; }

    // The event's conflation key: "<type>\n<value as JSON>" for the scalar (string, number,
    // boolean) at the conflation pointer; nullopt when conflation is off or there is none.
    // Read from the event's JSON text like extract(), the value written as Boost.JSON writes it.
    std::optional<core::conflation_key> conflation_key_of(std::string_view type,
                                                          std::string_view event_json,
                                                          std::size_t stamp_size = 0) const;
    // The same from a document: the reference the text reading is held to.
    std::optional<core::conflation_key> conflation_key_of(std::string_view type,
                                                          const boost::json::value& event) const;
    void set_conflation_pointer(std::string pointer) { conflation_pointer_ = std::move(pointer); }

private:
    std::map<std::string, type_extractors, std::less<>> types_;
    std::string conflation_pointer_;
};

// Whether `pointer` is a non-empty RFC 6901 JSON pointer ("/a/b", "~0" and "~1" escapes).
bool is_json_pointer(std::string_view pointer);

// The scalar at RFC 6901 pointer `pointer` in `doc`, if any.
std::optional<scalar> scalar_at(const boost::json::value& doc, std::string_view pointer);

}  // namespace rig::subscription
