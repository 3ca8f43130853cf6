// Fuzz target for the CloudEvents structured-mode parser (0.1, 0.2, 0.3, 1.0): any input must
// be accepted or refused without crashing, and the decision must agree with a second reading
// of the same bytes by Boost.JSON and the spec's rules written out here again:
// - accepted (RIG's rules) exactly when the body is a JSON object whose version attribute is
//   supported, whose type is a non-empty string, whose id is a non-empty string (or, for 0.1
//   and 0.2, a number or boolean) and, for 0.3 and 1.0, whose source is a non-empty string;
// - an accepted event's version, type and id are those attributes; its text parses to the
//   body's object plus the stamped time when the body had none;
// - whatever the strict rules (Kafka) accept, RIG's rules accept too, with the same result.
// A disagreement aborts, which libFuzzer and the corpus replay under ctest both report.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloudevents/parse.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using namespace rig::cloudevents;

constexpr std::string_view now = "2020-01-01T00:00:00Z";

bool non_empty_string(const json::value* v) {
    return v != nullptr && v->is_string() && !v->get_string().empty();
}

// The spec's rules, independent of parse.cpp: the version the body declares, if supported.
bool declared_version(const json::object& o, spec_version& out) {
    if (const auto* sv = o.if_contains("specversion")) {
        if (!sv->is_string()) {
            return false;
        }
        const std::string_view s = sv->get_string();
        if (s == "0.2") {
            out = spec_version::v0_2;
        } else if (s == "0.3") {
            out = spec_version::v0_3;
        } else if (s == "1.0") {
            out = spec_version::v1_0;
        } else {
            return false;
        }
        return true;
    }
    const auto* cv = o.if_contains("cloudEventsVersion");
    if (cv == nullptr || !cv->is_string() || cv->get_string() != "0.1") {
        return false;
    }
    out = spec_version::v0_1;
    return true;
}

bool rig_accepts(const json::value& doc) {
    if (!doc.is_object()) {
        return false;
    }
    const auto& o = doc.get_object();
    spec_version v{};
    if (!declared_version(o, v)) {
        return false;
    }
    const bool legacy = v == spec_version::v0_1 || v == spec_version::v0_2;
    if (!non_empty_string(o.if_contains(v == spec_version::v0_1 ? "eventType" : "type"))) {
        return false;
    }
    const auto* id = o.if_contains(v == spec_version::v0_1 ? "eventID" : "id");
    const bool id_ok =
        non_empty_string(id) || (legacy && id != nullptr && (id->is_number() || id->is_bool()));
    if (!id_ok) {
        return false;
    }
    return legacy || non_empty_string(o.if_contains("source"));
}

void check_accepted(const cloud_event& ev, const json::value& whole) {
    const auto& o = whole.get_object();
    spec_version v{};
    require(declared_version(o, v) && v == ev.version);
    const bool v01 = v == spec_version::v0_1;
    require(o.at(v01 ? "eventType" : "type").get_string() == ev.type);
    const auto& id = o.at(v01 ? "eventID" : "id");
    require(id.is_string() ? id.get_string() == ev.id : json::serialize(id) == ev.id);
    const std::string_view time_key = v01 ? "eventTime" : "time";
    json::object doc = json::parse(ev.json).as_object();
    if (!o.contains(time_key)) {
        require(doc.at(time_key) == json::value(now));
        doc.erase(time_key);
    }
    require(json::value(doc) == whole);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto rig = parse_structured(input, now, validation::rig);
    const auto strict = parse_structured(input, now, validation::strict);

    json::error_code ec;
    const json::value whole = json::parse(input, ec);
    const bool expected = !ec && rig_accepts(whole);
    require(rig.has_value() == expected);
    if (rig) {
        check_accepted(*rig, whole);
    }
    if (strict) {
        require(rig.has_value() && strict->json == rig->json && strict->type == rig->type &&
                strict->id == rig->id && strict->version == rig->version);
        // The strict rules: a source and a string id for every version.
        const auto& o = whole.get_object();
        require(non_empty_string(o.if_contains("source")));
        require(o.at(strict->version == spec_version::v0_1 ? "eventID" : "id").is_string());
    }
    return 0;
}
