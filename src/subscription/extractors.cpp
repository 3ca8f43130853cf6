#include "subscription/extractors.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "core/json_scan.hpp"

namespace rig::subscription {
namespace json = boost::json;

int type_extractors::find(std::string_view name) const {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

std::optional<scalar> scalar_at(const json::value& doc, std::string_view pointer) {
    json::error_code ec;
    const json::value* v = doc.find_pointer(json::string_view(pointer.data(), pointer.size()), ec);
    if (v == nullptr) {
        return std::nullopt;
    }
    return scalar::from_json(*v);
}

bool is_json_pointer(std::string_view pointer) {
    if (pointer.empty() || pointer.front() != '/') {
        return false;
    }
    for (std::size_t i = 0; i < pointer.size(); ++i) {
        if (pointer[i] == '~' &&
            (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
            return false;
        }
    }
    return true;
}

namespace {

core::error invalid(std::string_view type, std::string_view field, std::string_view what) {
    return core::bad_request("event type \"" + std::string(type) + "\", field \"" +
                             std::string(field) + "\": " + std::string(what));
}

bool is_pointer(const json::value& v) {
    return v.is_string() && !v.get_string().empty() && v.get_string().front() == '/';
}

// One field's definition: {"stable_field_index": n, "event": {"json_pointer": "/..."},
// "jwt": {"json_pointer": "/..."}} (jwt optional).
core::result<extractor_field> parse_field(std::string_view type, std::string_view name,
                                          const json::value& spec) {
    if (!spec.is_object()) {
        return invalid(type, name, "expected an object");
    }
    const auto& o = spec.get_object();
    extractor_field f;
    f.name = std::string(name);
    const auto* idx = o.if_contains("stable_field_index");
    if (idx == nullptr || !(idx->is_uint64() || (idx->is_int64() && idx->get_int64() >= 0))) {
        return invalid(type, name, "stable_field_index must be a non-negative integer");
    }
    f.stable_field_index = idx->to_number<uint64_t>();
    const auto* ev = o.if_contains("event");
    const json::value* ev_ptr =
        (ev && ev->is_object()) ? ev->get_object().if_contains("json_pointer") : nullptr;
    if (ev_ptr == nullptr || !is_pointer(*ev_ptr)) {
        return invalid(type, name,
                       "event.json_pointer must be a JSON pointer such as \"/data/name\"");
    }
    f.event_pointer = std::string(ev_ptr->get_string());
    if (const auto* jwt = o.if_contains("jwt")) {
        const json::value* jp =
            jwt->is_object() ? jwt->get_object().if_contains("json_pointer") : nullptr;
        if (jp == nullptr || !is_pointer(*jp)) {
            return invalid(type, name, "jwt.json_pointer must be a JSON pointer");
        }
        f.jwt_pointer = std::string(jp->get_string());
    }
    return f;
}

}  // namespace

core::result<extractors> extractors::parse(std::string_view json_text) {
    json::error_code ec;
    json::value doc = json::parse(json_text, ec);
    if (ec) {
        return core::bad_request("not valid JSON: " + ec.message());
    }
    if (!doc.is_object()) {
        return core::bad_request("expected a JSON object of event types");
    }
    extractors out;
    for (const auto& [type, fields_value] : doc.get_object()) {
        if (!fields_value.is_object()) {
            return core::bad_request("event type \"" + std::string(type) +
                                     "\": expected an object of fields");
        }
        type_extractors te;
        std::set<uint64_t> indices;
        for (const auto& [name, spec] : fields_value.get_object()) {
            auto f = parse_field(type, name, spec);
            if (!f) {
                return f.error();
            }
            if (!indices.insert(f->stable_field_index).second) {
                return invalid(type, name, "stable_field_index is not unique within the type");
            }
            te.fields.push_back(std::move(*f));
        }
        std::sort(te.fields.begin(), te.fields.end(), [](const auto& a, const auto& b) {
            return a.stable_field_index < b.stable_field_index;
        });
        out.types_.emplace(std::string(type), std::move(te));
    }
    return out;
}

const type_extractors* extractors::for_type(std::string_view event_type) const {
    auto it = types_.find(event_type);
    return it == types_.end() ? nullptr : &it->second;
}

namespace {

// A string, integer or boolean as scalar::from_json makes it from Boost.JSON's reading; nullopt
// for null, objects and arrays. Not for doubles: see extractors::extract.
std::optional<scalar> scanned_scalar(simdjson::dom::element v) {
    std::string_view s;
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
    if (v.get(s) == simdjson::SUCCESS) {
        return scalar::of_string(std::string(s));
    }
    if (v.get(i) == simdjson::SUCCESS) {
        return scalar::of_integer(i);
    }
    if (v.get(u) == simdjson::SUCCESS) {
        return scalar::of_double(static_cast<double>(u));  // beyond int64, as from_json
    }
    if (v.get(b) == simdjson::SUCCESS) {
        return scalar::of_bool(b);
    }
    return std::nullopt;
}

// Whether `pointer` leads into the member `key` of the document.
bool leads_into(std::string_view pointer, std::string_view key) {
    return pointer.size() > key.size() && pointer[0] == '/' && pointer.substr(1).starts_with(key) &&
           (pointer.size() == key.size() + 1 || pointer[key.size() + 1] == '/');
}

// The document an event's pointers are read in. An event rig stamped a time into was parsed
// for its checks without it, and core::scan_json's memo holds that document: pointers that do
// not lead into the stamped member find the same values there, without a second parse.
// `reads_member(key)`: whether a pointer to be read leads into the member `key`.
template <typename ReadsMember>
std::optional<simdjson::dom::element> event_document(std::string_view json, std::size_t stamp_size,
                                                     const ReadsMember& reads_member) {
    // The stamp is `"<key>":"<time>",` right after the opening brace.
    if (stamp_size > 2 && json.size() > stamp_size && json[1] == '"') {
        const std::string_view key = json.substr(2, json.find('"', 2) - 2);
        if (!reads_member(key)) {
            return core::scan_json_without(json, 1, stamp_size);
        }
    }
    return core::scan_json(json);
}

}  // namespace

field_values extractors::extract(const type_extractors& type, std::string_view event_json,
                                 std::size_t stamp_size) {
    field_values values;
    values.reserve(type.fields.size());
    const auto reads_member = [&type](std::string_view key) {
        return std::any_of(type.fields.begin(), type.fields.end(), [key](const extractor_field& f) {
            return leads_into(f.event_pointer, key);
        });
    };
    if (const auto root = event_document(event_json, stamp_size, reads_member)) {
        for (const auto& f : type.fields) {
            const auto v = core::find_pointer(*root, f.event_pointer);
            if (v && v->type() == simdjson::dom::element_type::DOUBLE) {
                break;
            }
            values.push_back(v ? scanned_scalar(*v) : std::nullopt);
        }
        if (values.size() == type.fields.size()) {
            return values;
        }
    }
    json::error_code ec;
    const json::value doc = json::parse(event_json, ec);
    return extract(type, doc);  // a parse error leaves null: no field has a value
}

std::optional<core::conflation_key> extractors::conflation_key_of(std::string_view type,
                                                                  const json::value& event) const {
    if (conflation_pointer_.empty()) {
        return std::nullopt;
    }
    json::error_code ec;
    const json::value* v = event.find_pointer(
        json::string_view(conflation_pointer_.data(), conflation_pointer_.size()), ec);
    if (v == nullptr || !(v->is_string() || v->is_number() || v->is_bool())) {
        return std::nullopt;
    }
    return core::conflation_key::of(type, json::serialize(*v));
}

std::optional<core::conflation_key> extractors::conflation_key_of(std::string_view type,
                                                                  std::string_view event_json,
                                                                  std::size_t stamp_size) const {
    if (conflation_pointer_.empty()) {
        return std::nullopt;
    }
    const auto root = event_document(event_json, stamp_size, [this](std::string_view key) {
        return leads_into(conflation_pointer_, key);
    });
    const auto v = root ? core::find_pointer(*root, conflation_pointer_) : std::nullopt;
    if (!root || (v && v->type() == simdjson::dom::element_type::DOUBLE)) {
        json::error_code ec;
        return conflation_key_of(type, json::parse(event_json, ec));
    }
    std::string_view s;
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
    if (!v) {
        return std::nullopt;
    }
    if (v->get(s) == simdjson::SUCCESS) {
        return core::conflation_key::of(type, json::serialize(s));
    }
    if (v->get(i) == simdjson::SUCCESS) {
        return core::conflation_key::of(type, std::to_string(i));
    }
    if (v->get(u) == simdjson::SUCCESS) {
        return core::conflation_key::of(type, std::to_string(u));
    }
    if (v->get(b) == simdjson::SUCCESS) {
        return core::conflation_key::of(type, b ? "true" : "false");
    }
    return std::nullopt;
}

field_values extractors::extract(const type_extractors& type, const json::value& event) {
    field_values values;
    values.reserve(type.fields.size());
    for (const auto& f : type.fields) {
        values.push_back(scalar_at(event, f.event_pointer));
    }
    return values;
}

}  // namespace rig::subscription
