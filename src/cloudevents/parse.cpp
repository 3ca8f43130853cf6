#include "cloudevents/parse.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "core/base64url.hpp"
#include "core/json_scan.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"
#include "core/websocket_wire.hpp"

namespace rig::cloudevents {
namespace json = boost::json;
using core::lower;
using core::trim;

std::string media_type(std::string_view content_type) {
    return core::media_type(content_type);
}

std::string_view to_string(spec_version v) {
    switch (v) {
        case spec_version::v0_1:
            return "0.1";
        case spec_version::v0_2:
            return "0.2";
        case spec_version::v0_3:
            return "0.3";
        case spec_version::v1_0:
            return "1.0";
    }
    return "?";
}

namespace {

// Where each version keeps the attributes rig itself reads.
struct version_keys {
    spec_version version;
    std::string_view type;
    std::string_view id;
    std::string_view time;
    bool source_required;
};

constexpr version_keys keys_0_1{spec_version::v0_1, "eventType", "eventID", "eventTime", false};
constexpr version_keys keys_0_2{spec_version::v0_2, "type", "id", "time", false};
constexpr version_keys keys_0_3{spec_version::v0_3, "type", "id", "time", true};
constexpr version_keys keys_1_0{spec_version::v1_0, "type", "id", "time", true};

std::optional<version_keys> keys_for_specversion(std::string_view v) {
    if (v == "0.2") {
        return keys_0_2;
    }
    if (v == "0.3") {
        return keys_0_3;
    }
    if (v == "1.0") {
        return keys_1_0;
    }
    return std::nullopt;
}

core::error not_a_cloud_event(std::string reason) {
    return core::bad_request(std::move(reason));
}

std::string fmt_missing(std::string_view attribute) {
    return "missing or invalid attribute \"" + std::string(attribute) + "\"";
}

// The text form of an id. 0.1 and 0.2 events may carry any scalar there (RIG accepts that);
// later versions require a string.
std::optional<std::string> id_text(const json::value& v, bool scalar_allowed) {
    if (v.is_string()) {
        if (v.get_string().empty()) {
            return std::nullopt;
        }
        return std::string(v.get_string());
    }
    if (scalar_allowed && (v.is_number() || v.is_bool())) {
        return json::serialize(v);
    }
    return std::nullopt;
}

// CloudEvents 1.0 HTTP binding: header values are percent-encoded outside printable ASCII.
// A value that is not valid percent-encoding (a stray '%') is taken as it is.
std::string percent_decode(std::string_view s) {
    auto pct = boost::urls::make_pct_string_view(s);
    return pct ? pct->decode() : std::string(s);
}

// RIG's rule for 0.1/0.2 extension headers: a value that parses as JSON is used decoded.
// A number out of a double's range is not JSON to RIG either (core::has_only_finite_numbers).
json::value decode_extension(std::string_view raw) {
    json::error_code ec;
    json::value v = json::parse(raw, ec);
    if (ec || !core::has_only_finite_numbers(v)) {
        return json::string(raw);
    }
    return v;
}

bool is_json_media_type(std::string_view mt) {
    return mt == "application/json" || mt == "text/json" ||
           (mt.size() > 5 && mt.substr(mt.size() - 5) == "+json");
}

}  // namespace

namespace {

// The context attributes each version defines; anything else at the top level is an extension.
bool is_known_attribute(spec_version v, std::string_view name) {
    static constexpr auto v01 = std::to_array<std::string_view>(
        {"cloudEventsVersion", "eventType", "eventTypeVersion", "source", "eventID", "eventTime",
         "schemaURL", "contentType", "extensions", "data"});
    static constexpr auto v02 = std::to_array<std::string_view>(
        {"specversion", "type", "source", "id", "time", "schemaurl", "contenttype", "data"});
    static constexpr auto v10 = std::to_array<std::string_view>(
        {"specversion", "type", "source", "id", "time", "datacontenttype", "dataschema", "subject",
         "data", "data_base64", "schemaurl", "datacontentencoding"});
    const auto in = [&](const auto& list) {
        return std::find(list.begin(), list.end(), name) != list.end();
    };
    return v == spec_version::v0_1 ? in(v01) : v == spec_version::v0_2 ? in(v02) : in(v10);
}

// Whether `name` is non-empty lowercase letters and digits: what the strict rules ask of an
// extension's name.
bool is_lowercase_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

// Whether a member may be named `name` under the strict rules: an attribute of the version, or
// an extension named with lowercase letters and digits only. The cheap test first: most names
// are lowercase (and every lowercase one passes, known or not).
bool allowed_member_name(spec_version v, std::string_view name) {
    return is_lowercase_name(name) || is_known_attribute(v, name);
}

// The optional string attributes that must not be empty when present (strict rules).
constexpr auto optional_string_attributes = std::to_array<std::string_view>(
    {"time", "eventTime", "subject", "schemaurl", "schemaURL", "dataschema", "datacontenttype",
     "contenttype", "contentType"});

// cloudevents-ex's rules (spec §3.3), which RIG applies to Kafka: source required for every
// version, id a non-empty string, optional string attributes non-empty when present, and
// extension names of lowercase letters and digits only.
std::optional<std::string> strict_violation(spec_version v, const json::object& obj) {
    const auto* source = obj.if_contains("source");
    if (source == nullptr || !source->is_string() || source->get_string().empty()) {
        return "source must be a non-empty string";
    }
    const char* id_key = v == spec_version::v0_1 ? "eventID" : "id";
    const auto* id = obj.if_contains(id_key);
    if (id == nullptr || !id->is_string()) {
        return std::string(id_key) + " must be a non-empty string";
    }
    for (const std::string_view key : optional_string_attributes) {
        if (const auto* v2 = obj.if_contains(key);
            v2 != nullptr && (!v2->is_string() || v2->get_string().empty())) {
            return std::string(key) + " must be a non-empty string when present";
        }
    }
    for (const auto& [key, value] : obj) {
        if (!allowed_member_name(v, key)) {
            return "extension attribute name " + core::json_quote(key) +
                   " is not lowercase letters and digits";
        }
    }
    return std::nullopt;
}

}  // namespace

namespace {

// Which version an event's document declares, and so where its attributes are.
core::result<version_keys> structured_keys(const json::object& obj) {
    if (const auto* sv = obj.if_contains("specversion")) {
        if (!sv->is_string()) {
            return not_a_cloud_event("specversion must be a string");
        }
        if (auto keys = keys_for_specversion(sv->get_string())) {
            return *keys;
        }
        return not_a_cloud_event("unsupported specversion " + json::serialize(*sv) +
                                 " (supported: 0.2, 0.3, 1.0)");
    }
    if (const auto* cv = obj.if_contains("cloudEventsVersion")) {
        if (!cv->is_string() || cv->get_string() != "0.1") {
            return not_a_cloud_event("unsupported cloudEventsVersion " + json::serialize(*cv) +
                                     " (supported: 0.1)");
        }
        return keys_0_1;
    }
    return not_a_cloud_event("missing specversion (or cloudEventsVersion for 0.1)");
}

// The event's JSON from its original text: the text itself, or, when the time attribute
// `time_key` is missing, the text with `"<time_key>":"<now>",` inserted right after the
// opening brace. The object has at least its type and id, so a comma after the new member keeps
// the text valid, and every other byte of the original stays as it was.
// Its capacity leaves room for the WebSocket frame header that published_event inserts in place
// (cloudevents::encode_ws_text_frame), so the event's bytes are allocated once.
std::string stamped_text(std::string_view text, bool has_time, std::string_view time_key,
                         std::string_view now_rfc3339) {
    std::string out;
    if (has_time) {
        out.reserve(text.size() + core::websocket::max_server_header);
        out = text;
        return out;
    }
    out.reserve(text.size() + now_rfc3339.size() + time_key.size() + 8 +
                core::websocket::max_server_header);
    out += "{\"";
    out += time_key;
    out += "\":\"";
    out += now_rfc3339;
    out += "\",";
    out += text.substr(1);
    return out;
}

// parse_structured after the JSON parse. `text` is the document's original text, or empty when
// there is none (a decoded document): then the event's JSON is the document serialised.
core::result<cloud_event> structured_event(json::value doc, std::string_view text,
                                           std::string_view now_rfc3339, validation rules) {
    if (!doc.is_object()) {
        return not_a_cloud_event("expected a JSON object");
    }
    json::object& obj = doc.get_object();
    const auto keys = structured_keys(obj);
    if (!keys) {
        return keys.error();
    }

    cloud_event ev;
    ev.version = keys->version;
    const bool legacy = ev.version == spec_version::v0_1 || ev.version == spec_version::v0_2;

    const auto* type = obj.if_contains(keys->type);
    if (type == nullptr || !type->is_string() || type->get_string().empty()) {
        return not_a_cloud_event(fmt_missing(keys->type));
    }
    ev.type = std::string(type->get_string());

    const auto* id = obj.if_contains(keys->id);
    std::optional<std::string> id_str = id ? id_text(*id, legacy) : std::nullopt;
    if (!id_str) {
        return not_a_cloud_event(fmt_missing(keys->id));
    }
    ev.id = std::move(*id_str);

    if (rules == validation::strict) {
        if (auto violation = strict_violation(ev.version, obj)) {
            return not_a_cloud_event(*violation);
        }
    }
    if (keys->source_required) {
        const auto* source = obj.if_contains("source");
        if (source == nullptr || !source->is_string() || source->get_string().empty()) {
            return not_a_cloud_event(fmt_missing("source"));
        }
    }

    const bool has_time = obj.contains(keys->time);
    if (!text.empty()) {
        ev.json = stamped_text(text, has_time, keys->time, now_rfc3339);
        ev.stamp_size = ev.json.size() - text.size();
    } else {
        if (!has_time) {
            obj.emplace(keys->time, json::string(now_rfc3339));
        }
        ev.json = json::serialize(doc);
    }
    return ev;
}

}  // namespace

namespace {

namespace dom = simdjson::dom;

// The top-level members the structured checks read (and `traceparent`, for the tracer), each
// the last of its name (Boost.JSON keeps the last of duplicate keys), found in one pass over
// the object.
class attribute_members {
public:
    // `check_names`: also tell whether every name is lowercase (the strict rules' question).
    attribute_members(dom::object object, bool check_names) : all_lowercase_(check_names) {
        for (const dom::key_value_pair field : object) {
            if (const int i = index_of(field.key); i >= 0) {
                values_[static_cast<std::size_t>(i)] = field.value;
            }
            all_lowercase_ = all_lowercase_ && is_lowercase_name(field.key);
        }
    }

    // Whether names were checked and every one is lowercase letters and digits (the strict
    // rules allow those whatever the version): true for most events.
    bool all_lowercase() const { return all_lowercase_; }

    std::optional<dom::element> operator[](std::string_view name) const {
        const int i = index_of(name);
        return i >= 0 ? values_[static_cast<std::size_t>(i)] : std::nullopt;
    }

    // The member's value when it is a non-empty string.
    std::optional<std::string_view> non_empty_string(std::string_view name) const {
        std::string_view s;
        const auto v = (*this)[name];
        if (!v || v->get(s) != simdjson::SUCCESS || s.empty()) {
            return std::nullopt;
        }
        return s;
    }

private:
    static constexpr auto names = std::to_array<std::string_view>(
        {"specversion", "cloudEventsVersion", "type", "id", "eventType", "eventID", "source",
         "time", "eventTime", "subject", "schemaurl", "schemaURL", "dataschema", "datacontenttype",
         "contenttype", "contentType", "traceparent"});

    // The index given with the first of `name, index, ...` that `key` (as long as each name)
    // is, or -1. Inlined into index_of, the names are constants, and so are the comparisons'
    // sizes: they become a load and a compare each instead of memcmp calls.
    template <typename... More>
    [[gnu::always_inline]] static int pick(std::string_view key, std::string_view name, int index,
                                           const More&... more) {
        if (std::memcmp(key.data(), name.data(), name.size()) == 0) {
            return index;
        }
        if constexpr (sizeof...(more) > 0) {
            return pick(key, more...);
        } else {
            return -1;
        }
    }

    // The name's place in `names`, or -1: by length, then by bytes. Every member of every event
    // is looked up, and comparing with all sixteen names had cost a memcmp call each.
    static int index_of(std::string_view key) {
        switch (key.size()) {
            case 2:
                return pick(key, "id", 3);
            case 4:
                return pick(key, "type", 2, "time", 7);
            case 6:
                return pick(key, "source", 6);
            case 7:
                return pick(key, "eventID", 5, "subject", 9);
            case 9:
                return pick(key, "eventType", 4, "eventTime", 8, "schemaurl", 10, "schemaURL", 11);
            case 10:
                return pick(key, "dataschema", 12);
            case 11:
                return pick(key, "specversion", 0, "contenttype", 14, "contentType", 15,
                            "traceparent", 16);
            case 15:
                return pick(key, "datacontenttype", 13);
            case 18:
                return pick(key, "cloudEventsVersion", 1);
            default:
                return -1;
        }
    }

    std::array<std::optional<dom::element>, names.size()> values_;
    bool all_lowercase_;
};

std::optional<version_keys> scanned_keys(const attribute_members& members) {
    std::string_view version;
    if (const auto sv = members["specversion"]) {
        if (sv->get(version) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return keys_for_specversion(version);
    }
    if (const auto cv = members["cloudEventsVersion"];
        cv && cv->get(version) == simdjson::SUCCESS && version == "0.1") {
        return keys_0_1;
    }
    return std::nullopt;
}

// strict_violation's rules, answered yes or no.
bool strictly_valid(spec_version v, dom::object object, const attribute_members& members) {
    // (The id is a non-empty string already: scanned_event asks that of every event.)
    if (!members.non_empty_string("source")) {
        return false;
    }
    for (const std::string_view key : optional_string_attributes) {
        if (members[key] && !members.non_empty_string(key)) {
            return false;
        }
    }
    if (members.all_lowercase()) {
        return true;
    }
    for (const dom::key_value_pair field : object) {
        if (!allowed_member_name(v, field.key)) {
            return false;
        }
    }
    return true;
}

// An event structured_event's checks pass, as simdjson read it: everything but its JSON.
struct scanned_attributes {
    cloud_event event;
    std::string_view time_key;  // the version's name for the time attribute
    bool has_time = false;
};

// structured_event's checks on simdjson's reading of `text`, for the events that pass them.
// Anything else (every refusal, and the ids 0.1/0.2 allow to be numbers or booleans) is
// nullopt and goes to the Boost.JSON path, which decides and words its error as it always has.
std::optional<scanned_attributes> scanned_event(dom::element root, std::string_view text,
                                                validation rules) {
    dom::object object;
    // stamped_text inserts after the first byte: it must be the object's brace.
    if (text.empty() || text.front() != '{' || root.get(object) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    const attribute_members members(object, rules == validation::strict);
    const auto keys = scanned_keys(members);
    if (!keys) {
        return std::nullopt;
    }
    const auto type = members.non_empty_string(keys->type);
    const auto id = members.non_empty_string(keys->id);
    if (!type || !id ||
        (rules == validation::strict && !strictly_valid(keys->version, object, members)) ||
        (keys->source_required && !members.non_empty_string("source"))) {
        return std::nullopt;
    }
    scanned_attributes out;
    out.event.version = keys->version;
    out.event.type = std::string(*type);
    out.event.id = std::string(*id);
    out.time_key = keys->time;
    out.has_time = members[keys->time].has_value();
    out.event.may_have_traceparent = members["traceparent"].has_value();
    return out;
}

}  // namespace

core::result<cloud_event> parse_structured(std::string_view body, std::string_view now_rfc3339,
                                           validation rules) {
    const std::string_view text = trim(body);
    if (const auto root = core::scan_json(text)) {
        if (auto scanned = scanned_event(*root, text, rules)) {
            scanned->event.json =
                stamped_text(text, scanned->has_time, scanned->time_key, now_rfc3339);
            scanned->event.stamp_size = scanned->event.json.size() - text.size();
            return std::move(scanned->event);
        }
    }
    return parse_structured_dom(text, now_rfc3339, rules);
}

core::result<cloud_event> parse_structured_dom(std::string_view body, std::string_view now_rfc3339,
                                               validation rules) {
    const std::string_view text = trim(body);
    json::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec) {
        return not_a_cloud_event("invalid JSON: " + ec.message());
    }
    return structured_event(std::move(doc), text, now_rfc3339, rules);
}

core::result<cloud_event> parse_structured_document(boost::json::value document,
                                                    std::string_view now_rfc3339,
                                                    validation rules) {
    return structured_event(std::move(document), {}, now_rfc3339, rules);
}

namespace {

// std::map: attributes serialise sorted by name, as RIG does.
using attribute_map = std::map<std::string, json::value>;

// The version a binary-mode event's headers declare: exactly one valid ce-specversion, or
// only ce-cloudEventsVersion 0.1.
core::result<spec_version> binary_version(std::span<const attribute_header> headers) {
    std::vector<std::string_view> specversions;
    std::vector<std::string_view> legacy_versions;
    for (const auto& h : headers) {
        if (h.name == "specversion") {
            specversions.push_back(trim(h.value));
        } else if (h.name == "cloudeventsversion") {
            legacy_versions.push_back(trim(h.value));
        }
    }
    if (specversions.size() == 1) {
        if (auto keys = keys_for_specversion(specversions[0])) {
            return keys->version;
        }
    }
    if (specversions.empty() && legacy_versions.size() == 1 && legacy_versions[0] == "0.1") {
        return spec_version::v0_1;
    }
    std::string seen = "[";
    for (std::size_t i = 0; i < specversions.size(); ++i) {
        seen += (i ? ", " : "") + core::json_quote(specversions[i]);
    }
    seen += "]";
    return core::bad_request(
        "Your request looks like it's using the CloudEvents binary content mode, but the "
        "ce-specversion header is " +
        seen + R"( instead of one of ["0.2", "0.3", "1.0"].)");
}

// A 0.1 attribute header: a known attribute under its structured name, else an extension
// (RIG drops an "x-" prefix).
void add_v01_attribute(attribute_map& attrs, json::object& extensions, const attribute_header& h) {
    static const std::map<std::string, std::string, std::less<>> known{
        {"cloudeventsversion", "cloudEventsVersion"},
        {"eventtype", "eventType"},
        {"eventtypeversion", "eventTypeVersion"},
        {"source", "source"},
        {"eventid", "eventID"},
        {"eventtime", "eventTime"},
        {"schemaurl", "schemaURL"}};
    if (auto it = known.find(h.name); it != known.end()) {
        attrs[it->second] = json::string(trim(h.value));
        return;
    }
    std::string_view ext = h.name;
    if (ext.starts_with("x-")) {
        ext.remove_prefix(2);
    }
    extensions[ext] = decode_extension(trim(h.value));
}

void add_attribute(attribute_map& attrs, json::object& extensions, spec_version version,
                   const attribute_header& h, binding transport) {
    const std::string name(h.name);
    switch (version) {
        case spec_version::v0_1:
            add_v01_attribute(attrs, extensions, h);
            break;
        case spec_version::v0_2: {
            static constexpr std::array<std::string_view, 6> plain = {
                "specversion", "type", "source", "id", "time", "schemaurl"};
            if (std::find(plain.begin(), plain.end(), name) != plain.end()) {
                attrs[name] = json::string(trim(h.value));
            } else {
                attrs[name] = decode_extension(trim(h.value));
            }
            break;
        }
        case spec_version::v0_3:
        case spec_version::v1_0:
            // Only the HTTP binding percent-encodes header values.
            attrs[name] = json::string(transport == binding::http ? percent_decode(trim(h.value))
                                                                  : std::string(trim(h.value)));
            break;
    }
}

// The body as the event's data: JSON for JSON media types, else text, else base64 (1.0, 0.3).
std::optional<core::error> add_body(attribute_map& attrs, spec_version version, std::string_view mt,
                                    std::string_view body) {
    if (is_json_media_type(mt)) {
        json::error_code ec;
        json::value data = json::parse(body, ec);
        if (ec) {
            return core::bad_request("The binary-mode request body is not valid JSON: " +
                                     ec.message());
        }
        if (!core::has_only_finite_numbers(data)) {
            return core::bad_request(
                "The binary-mode request body is not valid JSON: a number is out of range");
        }
        attrs["data"] = std::move(data);
    } else if (core::is_valid_utf8(body)) {
        attrs["data"] = json::string(body);
    } else if (version == spec_version::v1_0) {
        attrs["data_base64"] = json::string(core::base64_encode(body));
    } else if (version == spec_version::v0_3) {
        attrs["datacontentencoding"] = "base64";
        attrs["data"] = json::string(core::base64_encode(body));
    } else {
        return core::bad_request(
            "The binary-mode request body must be UTF-8 text for CloudEvents " +
            std::string(to_string(version)) + "; use 1.0 for binary data.");
    }
    return std::nullopt;
}

// parse_binary, with `decoded` (when not null) as the data instead of the body.
core::result<cloud_event> binary_event(std::span<const attribute_header> headers,
                                       std::string_view content_type, std::string_view body,
                                       const json::value* decoded, std::string_view now_rfc3339,
                                       binding transport) {
    const auto parsed_version = binary_version(headers);
    if (!parsed_version) {
        return parsed_version.error();
    }
    const spec_version version = *parsed_version;
    attribute_map attrs;
    json::object extensions;
    for (const auto& h : headers) {
        add_attribute(attrs, extensions, version, h, transport);
    }
    if (!extensions.empty()) {
        attrs["extensions"] = std::move(extensions);
    }

    const std::string mt = media_type(content_type);
    const char* ct_attr = version == spec_version::v0_1   ? "contentType"
                          : version == spec_version::v0_2 ? "contenttype"
                                                          : "datacontenttype";
    if (decoded != nullptr) {
        attrs["data"] = *decoded;
    } else if (!body.empty()) {
        if (auto e = add_body(attrs, version, mt, body)) {
            return std::move(*e);
        }
    }
    // RIG leaves contenttype out for JSON bodies of 0.2 events; every other version records
    // the media type the body came with.
    if (!content_type.empty() && !(version == spec_version::v0_2 && mt == "application/json")) {
        attrs[ct_attr] = json::string(trim(content_type));
    }

    json::object obj;
    obj.reserve(attrs.size());
    for (auto& [k, v] : attrs) {
        obj.emplace(k, std::move(v));
    }
    auto parsed =
        parse_structured(json::serialize(obj), now_rfc3339,
                         transport == binding::kafka ? validation::strict : validation::rig);
    if (!parsed) {
        return core::bad_request(
            "Your request looks like it's using the CloudEvents binary content mode but can't "
            "be parsed (" +
            parsed.error().message + ").");
    }
    return parsed;
}

}  // namespace

core::result<cloud_event> parse_binary(std::span<const attribute_header> headers,
                                       std::string_view content_type, std::string_view body,
                                       std::string_view now_rfc3339, binding transport) {
    return binary_event(headers, content_type, body, nullptr, now_rfc3339, transport);
}

core::result<cloud_event> parse_binary_decoded(std::span<const attribute_header> headers,
                                               std::string_view content_type,
                                               const boost::json::value& data,
                                               std::string_view now_rfc3339, binding transport) {
    return binary_event(headers, content_type, {}, &data, now_rfc3339, transport);
}

core::result<cloud_event> parse_http(std::span<const attribute_header> ce_headers,
                                     std::string_view content_type, std::string_view body,
                                     std::string_view now_rfc3339) {
    const std::string mt = media_type(content_type);
    if (mt == batch_media_type) {
        return core::error{core::condition::unsupported_media_type,
                           "application/cloudevents-batch+json holds a batch of events, not a "
                           "single event."};
    }
    if (mt.starts_with("application/cloudevents-batch")) {
        return core::error{core::condition::unsupported_media_type,
                           "The batch format " + core::json_quote(mt) +
                               " is not supported: send batches as "
                               "application/cloudevents-batch+json."};
    }
    const bool has_version_header =
        std::any_of(ce_headers.begin(), ce_headers.end(), [](const attribute_header& h) {
            return h.name == "specversion" || h.name == "cloudeventsversion";
        });
    bool structured = false;
    if (mt.starts_with("application/cloudevents")) {
        if (mt != "application/cloudevents" && mt != "application/cloudevents+json") {
            return core::error{core::condition::unsupported_media_type,
                               "The given content-type " + core::json_quote(mt) +
                                   " is currently not supported for structured mode."};
        }
        structured = true;
    } else if (mt == "application/json" && !has_version_header) {
        structured = true;
    } else if (content_type.empty() && !has_version_header) {
        return core::error{core::condition::unsupported_media_type,
                           "Missing Content-Type header: use application/cloudevents+json or "
                           "application/json for structured mode, or ce-* headers for binary "
                           "mode."};
    }
    if (!structured) {
        return parse_binary(ce_headers, content_type, body, now_rfc3339, binding::http);
    }
    auto parsed = parse_structured(body, now_rfc3339);
    if (!parsed) {
        return core::bad_request("The request body does not look like a CloudEvent: " +
                                 parsed.error().message);
    }
    return parsed;
}

core::result<cloud_event> parse_message(std::span<const message_header> headers, binding transport,
                                        std::string_view body, std::string_view now_rfc3339) {
    const std::string_view header_prefix = transport == binding::kafka ? "ce_" : "ce-";
    std::string content_type;
    std::vector<std::string> names;  // lowercased, prefix removed
    std::vector<attribute_header> attributes;
    names.reserve(headers.size());  // no reallocation: the views below stay valid
    for (const auto& h : headers) {
        std::string lname = lower(h.name);
        if (lname == "content-type") {
            content_type = std::string(trim(h.value));
        } else if (lname.size() > header_prefix.size() && lname.starts_with(lower(header_prefix))) {
            names.push_back(lname.substr(header_prefix.size()));
            attributes.push_back({names.back(), h.value});
        }
    }
    const std::string mt = media_type(content_type);
    const bool has_version =
        std::any_of(attributes.begin(), attributes.end(), [](const attribute_header& a) {
            return a.name == "specversion" || a.name == "cloudeventsversion";
        });
    if (mt.starts_with("application/cloudevents-batch")) {
        return core::bad_request("batched CloudEvents are not supported");
    }
    if (mt.starts_with("application/cloudevents") && mt != "application/cloudevents" &&
        mt != "application/cloudevents+json") {
        return core::bad_request("no decoder for event format " + core::json_quote(mt));
    }
    const bool structured = mt.empty() || mt == "application/cloudevents" ||
                            mt == "application/cloudevents+json" ||
                            (!has_version && is_json_media_type(mt));
    if (structured) {
        if (mt.empty() && body.size() >= 5 && body[0] == '\0') {
            return core::bad_request(
                "Avro-encoded events (Confluent magic byte) are not supported");
        }
        return parse_structured(body, now_rfc3339,
                                transport == binding::kafka ? validation::strict : validation::rig);
    }
    return parse_binary(attributes, content_type, body, now_rfc3339, transport);
}

}  // namespace rig::cloudevents
