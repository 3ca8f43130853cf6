#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace rig::proxy {

// Where an endpoint sends what it receives (spec §8.2 `target`).
enum class target_kind : uint8_t { http, kafka, kinesis, nats };
// Where the client's answer comes from (spec §8.7 `response_from`).
enum class response_source : uint8_t { http, kafka, http_async, nats, kinesis };

struct endpoint {
    std::string id;
    std::string method;      // compared exactly with the request method
    std::string path_regex;  // as configured; anchoring and flags are the router's business
    std::string path;        // RIG 2.x form with {placeholders}, used when path_regex is absent
    std::optional<std::string> path_replacement;
    bool secured = false;
    bool transform_request_headers = false;
    target_kind target = target_kind::http;
    std::string topic;   // Kafka topic, Kinesis stream or NATS subject
    std::string schema;  // Avro schema subject (Kafka target)
    response_source response_from = response_source::http;
};

struct auth_settings {
    bool use_header = false;
    std::string header_name;
    bool use_query = false;
    std::string query_name;
};

struct proxy_target {
    std::string target_url;  // a host, or with use_env the name of the variable holding it
    int64_t port = 0;
    bool use_env = false;
};

// One API definition (spec §8.2), validated, with RIG's defaults applied: auth_type jwt forces
// the Authorization header; `source` keeps the definition as given (plus the server-managed
// fields), which is what the internal API lists and what a PUT shallow-merges into.
struct api_definition {
    std::string id;
    std::string name;
    bool jwt = false;  // auth_type "jwt"
    auth_settings auth;
    bool versioned = false;  // versioned APIs are not routed (RIG 3)
    bool active = true;
    std::vector<std::pair<std::string, std::string>> add_headers;  // names in lower case
    std::vector<endpoint> endpoints;                               // version_data.default
    proxy_target proxy;
    uint64_t ref_number = 0;
    boost::json::object source;
};

// Validation failures in RIG's shape (spec §8.3): a key ("api", "<api id>" for auth,
// "<api id>/<endpoint id>" for an endpoint) with its messages, each a {field: message} pair,
// in the order they were found.
struct validation_errors {
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> keys;

    bool empty() const { return keys.empty(); }
    void add(const std::string& key, std::string field, std::string message);
    // {"api":[{"name":"must be string"}, ...], ...}
    std::string to_json() const;
};

// Checks a definition as RIG does: the API's own fields first ("api"); only when those pass,
// its auth settings and endpoints. `id_override` is the path id of a PUT, which replaces any
// id in the body (and so is never reported missing).
validation_errors validate_api(const boost::json::object& api,
                               std::optional<std::string_view> id_override = std::nullopt);

// The definition of a valid `api` (validate_api found nothing), with defaults applied.
api_definition make_api(const boost::json::object& api);

// Upper-cases every endpoint's method, as RIG does for the configuration file (and rig also
// for definitions given to the internal API: spec §15 #18).
void normalise_methods(boost::json::object& api);

}  // namespace rig::proxy
