// Fuzz target for the proxy configuration (PROXY_CONFIG_FILE given inline, spec §8): the
// loader, API validation and the router built from what was accepted.
//
// Only inputs whose first byte is '[' or '{' reach load_proxy_config: those are taken as the
// JSON itself (core::json_setting_text), so the target never opens a file named by its input.
// Invariants beyond "no crash", against a second reading with Boost.JSON, normalise_methods,
// validate_api and make_api called one by one: the loader accepts exactly when the text is a
// JSON array of objects that each validate and whose ids are unique, and then returns one
// definition per element with that element's id and endpoint count. A route table built from
// the result answers lookups: an endpoint whose path is plain text (letters, digits, '/', '-',
// '_') is found under its own method and path, by itself or an endpoint defined before it;
// except a HEAD endpoint, which a HEAD request never finds (HEAD goes through the GET
// endpoints, issue 11's decision; RIG's Plug.Head does the same).
// Each accepted definition, written out as the internal API lists it, parses back to itself
// (doubles within 1e-12: nearly_equal.hpp).
// Found: numbers out of a double's range (written back as `Infinity`), now refused by
// validate_api (corpus file number_out_of_range); and that the target's own invariant
// expected a HEAD endpoint to be found by HEAD (corpus file head_endpoint_is_unreachable).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "nearly_equal.hpp"
#include "proxy/proxy_config.hpp"
#include "proxy/route_table.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using namespace rig::proxy;

bool plain_path(std::string_view p) {
    if (p.empty() || p.front() != '/') {
        return false;
    }
    for (const char c : p) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// The loader's decision, made again element by element.
bool expected_accept(const json::value& doc) {
    if (!doc.is_array()) {
        return false;
    }
    std::set<std::string> ids;
    for (const auto& item : doc.get_array()) {
        if (!item.is_object()) {
            return false;
        }
        json::object api = item.get_object();
        normalise_methods(api);
        if (!validate_api(api).empty() || !ids.insert(make_api(api).id).second) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (input.empty() || (input.front() != '[' && input.front() != '{')) {
        return 0;  // would be read as a file name
    }
    auto apis = load_proxy_config(input);
    json::error_code ec;
    const json::value doc = json::parse(input, ec);
    require(apis.has_value() == (!ec && expected_accept(doc)));
    if (!apis) {
        require(!apis.error().message.empty());
        return 0;
    }
    const auto& elements = doc.get_array();
    require(apis->size() == elements.size());
    for (std::size_t i = 0; i < apis->size(); ++i) {
        json::object api = elements[i].get_object();
        normalise_methods(api);
        const auto again = make_api(api);
        require((*apis)[i].id == again.id && (*apis)[i].endpoints.size() == again.endpoints.size());
        // What the internal API lists and the cluster replicates is JSON again.
        const json::value source((*apis)[i].source);
        const json::value back = json::parse(json::serialize(source), ec);
        require(!ec && rig::fuzz::nearly_equal(back, source));
    }

    const auto shared = std::make_shared<const std::vector<api_definition>>(std::move(*apis));
    const route_table routes(shared);
    for (const auto& api : *shared) {
        for (const auto& ep : api.endpoints) {
            require(!path_regex_error(endpoint_pattern(ep)));
            const std::string_view asked = ep.path.empty() ? std::string_view("/") : ep.path;
            const auto found = routes.find(ep.method, asked);
            if (ep.method == "HEAD") {
                // HEAD is routed through the GET endpoints (issue 11), so an endpoint defined
                // for HEAD is never found by a HEAD request: what is found is a GET endpoint.
                require(!found || found->ep->method == "GET");
            } else if (ep.path_regex.empty() && plain_path(ep.path)) {
                require(found.has_value() && found->ep->method == ep.method);
            }
            if (found && found->ep == &ep && !ep.path_replacement) {
                require(found->forwarded_path == asked);
            }
        }
    }
    return 0;
}
