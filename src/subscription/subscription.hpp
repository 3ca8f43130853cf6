#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subscription/extractors.hpp"
#include "subscription/scalar.hpp"

namespace rig::subscription {

// field == value. A constraint whose value is not a scalar can never be satisfied.
struct constraint {
    std::string field;
    std::optional<scalar> value;
};

// All constraints must hold.
struct conjunction {
    std::vector<constraint> all_of;

    // Constraints on fields that the event's type does not declare are ignored, as in RIG.
    bool matches(const event_fields& event) const;
};

// What a connection asks to receive (spec §4.1): events of `event_type` for which any of
// `one_of` holds (or every such event, when one_of is empty).
//
// Beyond RIG, an event type ending in ".*" is a wildcard: `com.github.pull.*` receives
// `com.github.pull` itself and every event type below it (`com.github.pull.create`,
// `com.github.pull.review.submit`, ...).
struct subscription {
    std::string event_type;
    std::vector<conjunction> one_of;
    // The oneOf exactly as given, kept only when one_of does not write it back equal (a
    // constraint value that is not a scalar, say): most subscriptions hold no JSON of their own.
    boost::json::array given_one_of;

    bool is_wildcard() const { return event_type.ends_with(".*"); }
    // The type that is indexed: the event type itself, or a wildcard's prefix without ".*".
    std::string_view index_key() const {
        return is_wildcard() ? std::string_view(event_type).substr(0, event_type.size() - 2)
                             : std::string_view(event_type);
    }
    bool matches(const event_fields& event) const;

    // The oneOf as given, for rig.subscriptions_set.
    boost::json::array one_of_json() const;
    // Records `given` as the oneOf this subscription was parsed from (one_of holds its parsed
    // form already).
    void remember_given(const boost::json::array& given);

    // Same event type and the same oneOf document.
    friend bool operator==(const subscription& a, const subscription& b);
};

// Whether any of `subs` wants an event of `type` with `fields`: the index's decision for one
// member (an exact type, or a wildcard's prefix followed by nothing or by "."), for events
// that do not come through the index (a replay).
bool wants(const std::vector<subscription>& subs, std::string_view type,
           const event_fields& fields);

// Why a subscription was refused, and the JSON element that was refused.
struct parse_failure {
    std::string reason;
    std::string element;

    // "invalid subscription: <reason> when parsing <element>"
    std::string describe() const;
};

// Parses one subscription object (aliases eventType/event_type, oneOf/one_of/constraints).
std::optional<subscription> parse_subscription(const boost::json::value& v, parse_failure& err);

// Parses a list; one bad element refuses the whole list. When `v` is not an array, the
// failure's reason is "subscriptions is expected to be a JSON encoded list".
std::optional<std::vector<subscription>> parse_subscription_list(const boost::json::value& v,
                                                                 parse_failure& err);

// Appends those of `more` that `into` does not hold yet (set union, keeping order).
void merge_unique(std::vector<subscription>& into, std::vector<subscription> more);

// The subscriptions inferred from a JWT's claims (spec §4.4): per event type, one
// subscription whose single conjunction binds every field whose jwt.json_pointer resolves.
std::vector<subscription> infer_from_claims(const extractors& ex, const boost::json::value& claims);

// [{"eventType": ..., "oneOf": [...]}, ...], the data of rig.subscriptions_set.
boost::json::array to_json(const std::vector<subscription>& subs);

}  // namespace rig::subscription
