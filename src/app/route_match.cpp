#include "app/route_match.hpp"

#include <optional>

#include "http/request_parts.hpp"

namespace rig::app {
namespace {

// /_rig/v1/connection/{sse|ws|longpolling}/<token>/subscriptions → <token>
std::optional<std::string_view> subscriptions_token(std::string_view path) {
    constexpr std::string_view prefix = "/_rig/v1/connection/";
    constexpr std::string_view suffix = "/subscriptions";
    if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
        path.size() < prefix.size() + suffix.size()) {
        return std::nullopt;
    }
    std::string_view mid = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    const auto slash = mid.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto kind = mid.substr(0, slash);
    const auto token = mid.substr(slash + 1);
    if ((kind != "sse" && kind != "ws" && kind != "longpolling") || token.empty() ||
        token.find('/') != std::string_view::npos) {
        return std::nullopt;
    }
    return token;
}

route not_allowed(std::string_view allow) {
    return route{route_kind::method_not_allowed, allow, {}};
}

}  // namespace

route match_route(http::verb m, std::string_view target) {
    const std::string_view path = http::target_path(target);
    const auto method = http::routing_method(m);
    using http::verb;

    if (path == "/_rig/v1/connection/sse") {
        // RIG's SSE handler answers any method (HEAD: the stream's head, then the end).
        return route{route_kind::sse, {}, {}};
    }
    if (path == "/_rig/v1/connection/ws") {
        return route{route_kind::ws, {}, {}};
    }
    if (path == "/_rig/v1/connection/longpolling") {
        if (method == verb::get) {
            return route{route_kind::longpoll, {}, {}};
        }
        if (method == verb::options) {
            return route{route_kind::longpoll_preflight, {}, {}};
        }
        return not_allowed("GET, OPTIONS");
    }
    if (path == "/_rig/v1/events") {
        if (method == verb::post) {
            return route{route_kind::events, {}, {}};
        }
        if (method == verb::options) {
            return route{route_kind::events_preflight, {}, {}};
        }
        return not_allowed("POST, OPTIONS");
    }
    if (auto token = subscriptions_token(path)) {
        if (method == verb::put || method == verb::post) {
            return route{route_kind::subscriptions, {}, *token};
        }
        if (method == verb::options) {
            return route{route_kind::subscriptions_preflight, {}, *token};
        }
        return not_allowed("PUT, POST, OPTIONS");
    }
    if (path == "/_rig/health") {
        if (method == verb::get) {
            return route{route_kind::health, {}, {}};
        }
        return not_allowed("GET, HEAD");
    }
    // RIG hands everything else to its API proxy, which answers 404 when no API matches
    // (and forwards HEAD as GET itself: it sees the request's own method).
    return route{};
}

}  // namespace rig::app
