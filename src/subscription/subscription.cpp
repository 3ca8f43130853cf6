#include "subscription/subscription.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_text.hpp"

namespace rig::subscription {
namespace json = boost::json;

bool conjunction::matches(const event_fields& event) const {
    for (const auto& c : all_of) {
        const int idx = event.extractor ? event.extractor->find(c.field) : -1;
        if (idx < 0) {
            continue;
        }
        const auto& have = event.values[static_cast<std::size_t>(idx)];
        if (!have || !c.value || !(*have == *c.value)) {
            return false;
        }
    }
    return true;
}

bool subscription::matches(const event_fields& event) const {
    if (one_of.empty()) {
        return true;
    }
    return std::any_of(one_of.begin(), one_of.end(),
                       [&](const conjunction& c) { return c.matches(event); });
}

namespace {

// oneOf written from its parsed form.
json::array written_one_of(const std::vector<conjunction>& one_of) {
    json::array out;
    out.reserve(one_of.size());
    for (const auto& conj : one_of) {
        json::object o;
        for (const auto& c : conj.all_of) {
            o[c.field] = c.value ? c.value->to_json() : json::value(nullptr);
        }
        out.push_back(std::move(o));
    }
    return out;
}

bool same_value(const std::optional<scalar>& a, const std::optional<scalar>& b) {
    return a.has_value() == b.has_value() && (!a || a->identical(*b));
}

// As JSON objects compare: the same fields with the same values, in any order.
bool same_conjunction(const conjunction& a, const conjunction& b) {
    return a.all_of.size() == b.all_of.size() &&
           std::all_of(a.all_of.begin(), a.all_of.end(), [&](const constraint& c) {
               return std::any_of(b.all_of.begin(), b.all_of.end(), [&](const constraint& d) {
                   return c.field == d.field && same_value(c.value, d.value);
               });
           });
}

}  // namespace

json::array subscription::one_of_json() const {
    return given_one_of.empty() ? written_one_of(one_of) : given_one_of;
}

void subscription::remember_given(const json::array& given) {
    if (written_one_of(one_of) == given) {
        given_one_of.clear();
    } else {
        given_one_of = given;
    }
}

bool operator==(const subscription& a, const subscription& b) {
    if (a.event_type != b.event_type) {
        return false;
    }
    // Equal documents are both written back equal or both not (one_of is a function of the
    // document), so a kept document never equals a dropped one.
    if (!a.given_one_of.empty() || !b.given_one_of.empty()) {
        return a.given_one_of == b.given_one_of;
    }
    return std::equal(a.one_of.begin(), a.one_of.end(), b.one_of.begin(), b.one_of.end(),
                      same_conjunction);
}

bool wants(const std::vector<subscription>& subs, std::string_view type,
           const event_fields& fields) {
    for (const auto& s : subs) {
        const std::string_view key = s.index_key();
        const bool type_matches =
            s.is_wildcard()
                ? type.starts_with(key) && (type.size() == key.size() || type[key.size()] == '.')
                : type == key;
        if (type_matches && s.matches(fields)) {
            return true;
        }
    }
    return false;
}

std::string parse_failure::describe() const {
    return "invalid subscription: " + reason + " when parsing " + element;
}

namespace {

// One clause of a oneOf into `conj`; the reason when it is refused.
std::optional<std::string> parse_conjunction(const json::value& clause, conjunction& conj) {
    if (!clause.is_object()) {
        return "a disjunctive clause expected to be a conjunction represented by a map";
    }
    for (const auto& [field, value] : clause.get_object()) {
        if (field.empty()) {
            return "conjunctive clauses expected to be a map with nonempty strings as keys";
        }
        // One that is not would be written back as `Infinity` (core/json_text.hpp).
        if (!core::has_only_finite_numbers(value)) {
            return "constraint values expected to hold no number out of range";
        }
        conj.all_of.push_back({std::string(field), scalar::from_json(value)});
    }
    return std::nullopt;
}

// The oneOf (or its aliases) of a subscription object into `s`; the reason when refused.
std::optional<std::string> parse_one_of(const json::object& o, subscription& s) {
    const json::value* constraints = nullptr;
    for (const char* key : {"oneOf", "one_of", "constraints"}) {
        if ((constraints = o.if_contains(key)) != nullptr) {
            break;
        }
    }
    if (constraints == nullptr || constraints->is_null()) {
        return std::nullopt;
    }
    if (!constraints->is_array()) {
        return "constraints expected to be a list of disjunctive clauses";
    }
    for (const auto& clause : constraints->get_array()) {
        conjunction conj;
        if (auto refused = parse_conjunction(clause, conj)) {
            return refused;
        }
        s.one_of.push_back(std::move(conj));
    }
    s.remember_given(constraints->get_array());
    return std::nullopt;
}

}  // namespace

std::optional<subscription> parse_subscription(const json::value& v, parse_failure& err) {
    const auto fail = [&](std::string reason) -> std::optional<subscription> {
        err.reason = std::move(reason);
        err.element = json::serialize(v);
        return std::nullopt;
    };
    if (!v.is_object()) {
        return fail("not a map");
    }
    const auto& o = v.get_object();
    const json::value* type = o.if_contains("eventType");
    if (type == nullptr) {
        type = o.if_contains("event_type");
    }
    if (type == nullptr) {
        return fail("event-type not found");
    }
    if (!type->is_string() || type->get_string().empty()) {
        return fail("event-type empty");
    }
    subscription s;
    s.event_type = std::string(type->get_string());
    if (s.event_type == ".*") {
        return fail("event-type wildcard needs a prefix");
    }
    if (auto refused = parse_one_of(o, s)) {
        return fail(std::move(*refused));
    }
    return s;
}

std::optional<std::vector<subscription>> parse_subscription_list(const json::value& v,
                                                                 parse_failure& err) {
    if (!v.is_array()) {
        err.reason = "subscriptions is expected to be a JSON encoded list";
        err.element = json::serialize(v);
        return std::nullopt;
    }
    std::vector<subscription> out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) {
        auto s = parse_subscription(e, err);
        if (!s) {
            return std::nullopt;
        }
        out.push_back(std::move(*s));
    }
    return out;
}

void merge_unique(std::vector<subscription>& into, std::vector<subscription> more) {
    for (auto& s : more) {
        if (std::find(into.begin(), into.end(), s) == into.end()) {
            into.push_back(std::move(s));
        }
    }
}

std::vector<subscription> infer_from_claims(const extractors& ex, const json::value& claims) {
    std::vector<subscription> out;
    for (const auto& [type, te] : ex.types()) {
        json::array given(1, json::object());
        auto& clause = given[0].get_object();
        conjunction conj;
        for (const auto& f : te.fields) {
            if (!f.jwt_pointer) {
                continue;
            }
            json::error_code ec;
            const json::value* v = claims.find_pointer(*f.jwt_pointer, ec);
            if (v == nullptr) {
                continue;
            }
            // Written back as `Infinity` otherwise; the verifier refuses such a token, and a
            // dropped binding would widen the subscription, so the type gets none.
            if (!core::has_only_finite_numbers(*v)) {
                conj.all_of.clear();
                break;
            }
            clause[f.name] = *v;
            conj.all_of.push_back({f.name, scalar::from_json(*v)});
        }
        if (conj.all_of.empty()) {
            continue;
        }
        subscription s;
        s.event_type = type;
        s.one_of.push_back(std::move(conj));
        s.remember_given(given);
        out.push_back(std::move(s));
    }
    return out;
}

json::array to_json(const std::vector<subscription>& subs) {
    json::array out;
    out.reserve(subs.size());
    for (const auto& s : subs) {
        json::object o;
        o["eventType"] = s.event_type;
        o["oneOf"] = s.one_of_json();
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace rig::subscription
