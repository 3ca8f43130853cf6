#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/api_definition.hpp"
#include "proxy/backend_address.hpp"

namespace rig::proxy {

// The endpoint a request goes to (spec §8.4), with the path to forward (`path_replacement`
// applied, else the request's path).
struct route_match {
    const api_definition* api;
    const endpoint* ep;
    const backend_address* backend;  // the API's, worked out when the table was built
    std::string forwarded_path;
    bool ambiguous;  // several endpoints matched (RIG logs a warning); the first one wins
};

// A shard's routes, compiled from one snapshot of the routable APIs (docs/adr/0012): per
// method one RE2::Set over that method's endpoints in definition order, anchored at both
// ends and case-insensitive, plus each endpoint's own RE2 for its capture groups. A lookup
// costs about the same for 10 or 1,000 endpoints, and no pattern can make it backtrack.
// HEAD is matched as GET.
//
// @par Thread safety
// Immutable once built; one per shard (RE2 objects shared between threads do not scale).
class route_table {
public:
    explicit route_table(std::shared_ptr<const std::vector<api_definition>> apis);
    ~route_table();
    route_table(const route_table&) = delete;
    route_table& operator=(const route_table&) = delete;

    // `path` is the raw request path (no query string, not percent-decoded).
    std::optional<route_match> find(std::string_view method, std::string_view path) const;

    struct method_routes;

private:
    std::shared_ptr<const std::vector<api_definition>> apis_;
    std::vector<backend_address> backends_;  // one per API, in the same order
    std::vector<std::unique_ptr<method_routes>> methods_;
};

// The regular expression an endpoint is matched with: its path_regex, or RIG 2.x's `path`
// with each `{name}` turned into `[^/]+`.
std::string endpoint_pattern(const endpoint& ep);

// Why RE2 refuses `pattern` with the router's options, or nothing when it compiles.
std::optional<std::string> path_regex_error(const std::string& pattern);

}  // namespace rig::proxy
