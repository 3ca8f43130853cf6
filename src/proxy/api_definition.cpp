#include "proxy/api_definition.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_text.hpp"
#include "core/text.hpp"
#include "proxy/route_table.hpp"

namespace rig::proxy {
namespace json = boost::json;
namespace {

constexpr const char* targets_message = R"(must be one of ["http", "kafka", "kinesis", "nats"])";
constexpr const char* responses_message =
    R"(must be one of ["http", "kafka", "http_async", "nats", "kinesis"])";
constexpr const char* jwt_only = R"(must be one of ["jwt"])";

const json::string* string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr ? v->if_string() : nullptr;
}

bool true_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->get_bool();
}

bool non_empty_string_at(const json::object& o, std::string_view key) {
    const auto* s = string_at(o, key);
    return s != nullptr && !s->empty();
}

// `must be string` and `must have a length of at least 1`, as RIG reports them: a value that
// is not a string fails both.
void check_string(validation_errors& e, const std::string& key, const json::object& o,
                  const char* field) {
    const auto* s = string_at(o, field);
    if (s == nullptr) {
        e.add(key, field, "must be string");
    }
    if (s == nullptr || s->empty()) {
        e.add(key, field, "must have a length of at least 1");
    }
}

// The value `name` (case-insensitive) stands for in `table`, if any.
template <class T, std::size_t N>
std::optional<T> named(std::string_view name,
                       const std::array<std::pair<std::string_view, T>, N>& table) {
    const std::string n = core::lower(name);
    for (const auto& [text, value] : table) {
        if (text == n) {
            return value;
        }
    }
    return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, target_kind>, 4> targets{{
    {"http", target_kind::http},
    {"kafka", target_kind::kafka},
    {"kinesis", target_kind::kinesis},
    {"nats", target_kind::nats},
}};

constexpr std::array<std::pair<std::string_view, response_source>, 5> responses{{
    {"http", response_source::http},
    {"kafka", response_source::kafka},
    {"http_async", response_source::http_async},
    {"nats", response_source::nats},
    {"kinesis", response_source::kinesis},
}};

std::optional<target_kind> target_of(std::string_view name) {
    return named(name, targets);
}

std::optional<response_source> response_of(std::string_view name) {
    return named(name, responses);
}

bool is_jwt(const json::object& api) {
    const auto* t = string_at(api, "auth_type");
    return t != nullptr && *t == "jwt";
}

// RIG 2.x's `path` stands in for a missing path_regex; otherwise path_regex is required.
void check_path_present(validation_errors& e, const std::string& key, const json::object& ep) {
    if (!ep.contains("path_regex") && non_empty_string_at(ep, "path")) {
        // RIG 2.x's form ({name} for one segment) stands in for path_regex.
    } else {
        check_string(e, key, ep, "path_regex");
    }
}

// Both path forms must compile with the router's options, and path_replacement be a string.
void check_path_syntax(validation_errors& e, const std::string& key, const json::object& ep) {
    for (const char* field : {"path_regex", "path"}) {
        if (const auto* p = string_at(ep, field); p != nullptr && !p->empty()) {
            endpoint probe;
            (std::string_view(field) == "path" ? probe.path : probe.path_regex) = std::string(*p);
            if (auto error = path_regex_error(endpoint_pattern(probe))) {
                e.add(key, field, "must be a valid regular expression (" + *error + ")");
            }
        }
    }
    if (const auto* r = ep.if_contains("path_replacement"); r != nullptr && !r->is_string()) {
        e.add(key, "path_replacement", "must be string");
    }
}

// target, what it needs (a topic for Kafka and Kinesis) and where the answer comes from.
void check_target(validation_errors& e, const std::string& key, const json::object& ep) {
    std::optional<target_kind> target;
    if (const auto* t = ep.if_contains("target"); t != nullptr) {
        target = t->is_string() ? target_of(t->get_string()) : std::nullopt;
        if (!target) {
            e.add(key, "target", targets_message);
        }
    }
    if ((target == target_kind::kafka || target == target_kind::kinesis) &&
        !non_empty_string_at(ep, "topic")) {
        e.add(key, "topic", "must be present");
    }
    if (ep.contains("schema") && !ep.contains("target")) {
        e.add(key, "target", "must be present");
    }
    if (const auto* r = ep.if_contains("response_from");
        r != nullptr && !(r->is_string() && response_of(r->get_string()))) {
        e.add(key, "response_from", responses_message);
    }
}

void check_endpoint(validation_errors& e, const std::string& api_id, const json::object& api,
                    const json::value& value) {
    static const json::object empty;
    const json::object& ep = value.is_object() ? value.get_object() : empty;
    const auto* id = string_at(ep, "id");
    const std::string key = api_id + "/" + (id != nullptr ? std::string(*id) : std::string());
    check_string(e, key, ep, "id");
    check_path_present(e, key, ep);
    check_string(e, key, ep, "method");
    check_path_syntax(e, key, ep);
    check_target(e, key, ep);
    if (true_at(ep, "secured") && !is_jwt(api)) {
        e.add(key, "auth_type", jwt_only);
    }
}

// The API's own scalar fields: id (unless the path gives it), name, and no infinite numbers.
void check_api_fields(validation_errors& e, const std::string& top, const json::object& api,
                      bool id_given) {
    if (!id_given) {
        check_string(e, top, api, "id");
    }
    check_string(e, top, api, "name");
    // The definition is kept as given and written out again (internal API, replication to
    // the other nodes): a number Boost.JSON read as infinity would come out as `Infinity`.
    for (const auto& [key, value] : api) {
        if (!core::has_only_finite_numbers(value)) {
            e.add(top, std::string(key), "must not hold a number out of range");
        }
    }
}

void check_proxy(validation_errors& e, const std::string& top, const json::object& api) {
    const auto* proxy = api.if_contains("proxy");
    if (proxy == nullptr || !proxy->is_object()) {
        e.add(top, "proxy", "must be present");
        return;
    }
    const auto& p = proxy->get_object();
    if (p.empty()) {
        e.add(top, "proxy", "must be present");
    }
    check_string(e, top, p, "target_url");
    const auto* port = p.if_contains("port");
    if (port == nullptr || !(port->is_int64() || port->is_uint64())) {
        e.add(top, "port", "must be integer");
    }
}

void check_version_data(validation_errors& e, const std::string& top, const json::object& api) {
    const auto* versions = api.if_contains("version_data");
    if (versions == nullptr || !versions->is_object()) {
        e.add(top, "version_data", "must be present");
    } else if (versions->get_object().empty()) {
        e.add(top, "version_data", "must be present");
        e.add(top, "version_data", "must have at least one version, e.g. default");
    } else {
        for (const auto& [name, version] : versions->get_object()) {
            const auto* endpoints =
                version.is_object() ? version.get_object().if_contains("endpoints") : nullptr;
            if (endpoints == nullptr || !endpoints->is_array()) {
                e.add(top, "endpoints", "must be list");
            }
        }
    }
}

// Header or query tokens need their name, and are only for JWT APIs.
void check_auth(validation_errors& e, const std::string& api_id, const json::object& api) {
    const auto* auth = api.if_contains("auth");
    if (auth == nullptr || !auth->is_object()) {
        return;
    }
    const auto& a = auth->get_object();
    const bool header = true_at(a, "use_header");
    const bool query = true_at(a, "use_query");
    if (header && !non_empty_string_at(a, "header_name")) {
        e.add(api_id, "header_name", "must be present");
    }
    if (query && !non_empty_string_at(a, "query_name")) {
        e.add(api_id, "query_name", "must be present");
    }
    if ((header || query) && !is_jwt(api)) {
        e.add(api_id, "auth_type", jwt_only);
    }
}

// Copies the string at `key`, if there is one, into `out`.
void copy_string(const json::object& o, std::string_view key, std::string& out) {
    if (const auto* s = string_at(o, key)) {
        out = std::string(*s);
    }
}

auth_settings read_auth(const json::object& api, bool jwt) {
    auth_settings out;
    if (const auto* auth = api.if_contains("auth"); auth != nullptr && auth->is_object()) {
        const auto& a = auth->get_object();
        out.use_header = true_at(a, "use_header");
        out.use_query = true_at(a, "use_query");
        copy_string(a, "header_name", out.header_name);
        copy_string(a, "query_name", out.query_name);
    }
    if (jwt) {  // RIG forces the header whatever was given (spec §8.2)
        out.use_header = true;
        out.header_name = "Authorization";
    }
    return out;
}

proxy_target read_proxy(const json::object& p) {
    proxy_target out;
    out.target_url = std::string(*string_at(p, "target_url"));
    out.port = p.at("port").is_int64() ? p.at("port").get_int64()
                                       : static_cast<int64_t>(p.at("port").get_uint64());
    out.use_env = true_at(p, "use_env");
    return out;
}

std::vector<std::pair<std::string, std::string>> read_add_headers(const json::object& version) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto* t = version.if_contains("transform_request_headers");
    if (t == nullptr || !t->is_object()) {
        return out;
    }
    const auto* add = t->get_object().if_contains("add_headers");
    if (add == nullptr || !add->is_object()) {
        return out;
    }
    for (const auto& [name, value] : add->get_object()) {
        if (value.is_string()) {
            // Lower case once here: the gateway compares them with request headers.
            out.emplace_back(core::lower(name), std::string(value.get_string()));
        }
    }
    return out;
}

endpoint read_endpoint(const json::object& o) {
    endpoint ep;
    ep.id = std::string(*string_at(o, "id"));
    ep.method = std::string(*string_at(o, "method"));
    copy_string(o, "path_regex", ep.path_regex);
    copy_string(o, "path", ep.path);  // RIG 2.x's form
    if (const auto* r = string_at(o, "path_replacement")) {
        ep.path_replacement = std::string(*r);
    }
    ep.secured = true_at(o, "secured");
    ep.transform_request_headers = true_at(o, "transform_request_headers");
    if (const auto* t = string_at(o, "target")) {
        ep.target = target_of(*t).value_or(target_kind::http);
    }
    copy_string(o, "topic", ep.topic);
    copy_string(o, "schema", ep.schema);
    if (const auto* r = string_at(o, "response_from")) {
        ep.response_from = response_of(*r).value_or(response_source::http);
    }
    return ep;
}

}  // namespace

void validation_errors::add(const std::string& key, std::string field, std::string message) {
    for (auto& [k, list] : keys) {
        if (k == key) {
            list.emplace_back(std::move(field), std::move(message));
            return;
        }
    }
    keys.push_back({key, {{std::move(field), std::move(message)}}});
}

std::string validation_errors::to_json() const {
    json::object out;
    for (const auto& [key, list] : keys) {
        json::array messages;
        for (const auto& [field, message] : list) {
            messages.push_back(json::object{{field, message}});
        }
        out[key] = std::move(messages);
    }
    return json::serialize(out);
}

validation_errors validate_api(const json::object& api,
                               std::optional<std::string_view> id_override) {
    validation_errors e;
    const std::string top = "api";
    check_api_fields(e, top, api, id_override.has_value());
    check_proxy(e, top, api);
    check_version_data(e, top, api);
    if (!e.empty()) {
        return e;
    }

    const std::string api_id =
        id_override ? std::string(*id_override) : std::string(*string_at(api, "id"));
    check_auth(e, api_id, api);
    for (const auto& [name, version] : api.at("version_data").get_object()) {
        for (const auto& ep : version.get_object().at("endpoints").get_array()) {
            check_endpoint(e, api_id, api, ep);
        }
    }
    return e;
}

api_definition make_api(const json::object& api) {
    api_definition d;
    d.source = api;
    d.id = std::string(*string_at(api, "id"));
    d.name = std::string(*string_at(api, "name"));
    d.jwt = is_jwt(api);
    d.auth = read_auth(api, d.jwt);
    d.versioned = true_at(api, "versioned");
    if (const auto* a = api.if_contains("active"); a != nullptr && a->is_bool()) {
        d.active = a->get_bool();
    }
    if (const auto* r = api.if_contains("ref_number");
        r != nullptr && r->is_int64() && r->get_int64() >= 0) {
        d.ref_number = static_cast<uint64_t>(r->get_int64());
    }
    d.proxy = read_proxy(api.at("proxy").get_object());

    const auto& versions = api.at("version_data").get_object();
    const auto* chosen = versions.if_contains("default");
    if (chosen == nullptr) {
        return d;  // only "default" is routed
    }
    const auto& version = chosen->get_object();
    d.add_headers = read_add_headers(version);
    for (const auto& v : version.at("endpoints").get_array()) {
        d.endpoints.push_back(read_endpoint(v.get_object()));
    }
    return d;
}

void normalise_methods(json::object& api) {
    auto* versions = api.if_contains("version_data");
    if (versions == nullptr || !versions->is_object()) {
        return;
    }
    for (auto& [name, version] : versions->get_object()) {
        auto* endpoints =
            version.is_object() ? version.get_object().if_contains("endpoints") : nullptr;
        if (endpoints == nullptr || !endpoints->is_array()) {
            continue;
        }
        for (auto& ep : endpoints->get_array()) {
            auto* method = ep.is_object() ? ep.get_object().if_contains("method") : nullptr;
            if (method != nullptr && method->is_string()) {
                *method = core::upper(method->get_string());
            }
        }
    }
}

}  // namespace rig::proxy
