// Fuzz target for the public listener's router: HTTP/1.1 request heads read by Beast's
// parser (the h1 session's header limit), rewritten to origin form as the session does
// (http::to_origin_form), then routed by app::match_route, the part of app/routes.cpp that
// decides without live endpoints.
//
// Invariants beyond "no crash": the route agrees with a second reading of spec §2.1's table
// written out here; HEAD routes as GET; rig's own endpoint paths never reach the API gateway;
// a 405's Allow header lists only methods that the same target routes to a handler; a
// subscriptions token is a non-empty path segment of the target; an absolute-form target
// routes as its origin form would, and a target already in origin form is left alone.
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/route_match.hpp"
#include "http/origin_form.hpp"
#include "http/request_parts.hpp"
#include "require.hpp"

namespace {

using rig::app::match_route;
using rig::app::route;
using rig::app::route_kind;
using rig::fuzz::require;
using rig::http::verb;
namespace bhttp = boost::beast::http;

constexpr std::size_t max_header_bytes = 32 << 10;  // server_options' default

// Spec §2.1, read again: (path, method) → kind, without sharing match_route's code.
route_kind expected(verb m, std::string_view target) {
    const std::string path(target.substr(0, target.find('?')));
    const verb g = m == verb::head ? verb::get : m;
    const auto pick = [&](std::initializer_list<std::pair<verb, route_kind>> by_method) {
        for (const auto& [v, k] : by_method) {
            if (v == g) {
                return k;
            }
        }
        return route_kind::method_not_allowed;
    };
    if (path == "/_rig/v1/connection/sse") {
        return route_kind::sse;
    }
    if (path == "/_rig/v1/connection/ws") {
        return route_kind::ws;
    }
    if (path == "/_rig/v1/connection/longpolling") {
        return pick(
            {{verb::get, route_kind::longpoll}, {verb::options, route_kind::longpoll_preflight}});
    }
    if (path == "/_rig/v1/events") {
        return pick(
            {{verb::post, route_kind::events}, {verb::options, route_kind::events_preflight}});
    }
    if (path == "/_rig/health") {
        return pick({{verb::get, route_kind::health}});
    }
    for (const char* kind : {"sse", "ws", "longpolling"}) {
        const std::string prefix = std::string("/_rig/v1/connection/") + kind + "/";
        const std::string suffix = "/subscriptions";
        if (path.size() > prefix.size() + suffix.size() && path.starts_with(prefix) &&
            path.ends_with(suffix) &&
            path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()).find('/') ==
                std::string::npos) {
            return pick({{verb::put, route_kind::subscriptions},
                         {verb::post, route_kind::subscriptions},
                         {verb::options, route_kind::subscriptions_preflight}});
        }
    }
    return route_kind::gateway;
}

bool is_rig_endpoint(std::string_view path) {
    return path == "/_rig/v1/connection/sse" || path == "/_rig/v1/connection/ws" ||
           path == "/_rig/v1/connection/longpolling" || path == "/_rig/v1/events" ||
           path == "/_rig/health";
}

void check_route(verb m, std::string_view target) {
    const route r = match_route(m, target);
    require(r.kind == expected(m, target));
    if (m == verb::get) {
        require(match_route(verb::head, target).kind == r.kind);
    }
    const std::string_view path = rig::http::target_path(target);
    if (is_rig_endpoint(path)) {
        require(r.kind != route_kind::gateway);
    }
    if (r.kind == route_kind::method_not_allowed) {
        require(!r.allow.empty());
        std::string_view rest = r.allow;
        while (!rest.empty()) {
            const auto comma = rest.find(", ");
            const std::string_view name = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
            const verb allowed = bhttp::string_to_verb(name);
            require(allowed != verb::unknown);
            require(match_route(allowed, target).kind != route_kind::method_not_allowed);
        }
    } else {
        require(r.allow.empty());
    }
    if (r.kind == route_kind::subscriptions || r.kind == route_kind::subscriptions_preflight) {
        require(!r.token.empty() && r.token.find('/') == std::string_view::npos);
        require(r.token.data() >= path.data() &&
                r.token.data() + r.token.size() <= path.data() + path.size());
    } else {
        require(r.token.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
    parser.eager(false);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (ec || !parser.is_header_done()) {
        return 0;
    }
    auto& req = parser.get();
    const std::string before(req.target());
    const verb method = req.method();
    const bool rewritten = rig::http::to_origin_form(req);
    const std::string_view target = req.target();
    if (!rewritten) {
        require(target == before);
    } else {
        require(target.starts_with("/"));
        require(!rig::http::to_origin_form(req));  // origin form stays as it is
    }
    check_route(method, target);
    // Every method on this target, not only the one the request came with.
    for (verb m : {verb::get, verb::head, verb::post, verb::put, verb::options, verb::delete_,
                   verb::patch, verb::connect}) {
        check_route(m, target);
    }
    return 0;
}
