#include "app/routes.hpp"

#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "proxy/api_gateway.hpp"
#include "sources/http_publisher.hpp"
#include "transport/endpoints.hpp"

namespace rig::app {
namespace {

using result = asio::awaitable<std::optional<http::response>>;

// /_rig/v1/connection/{sse|ws|longpolling}/<token>/subscriptions → <token>
std::optional<std::string_view> subscriptions_token(std::string_view path) {
    constexpr std::string_view prefix = "/_rig/v1/connection/";
    constexpr std::string_view suffix = "/subscriptions";
    if (!path.starts_with(prefix) || !path.ends_with(suffix)) {
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

}  // namespace

http::handler make_inbound_routes(transport::endpoints& endpoints,
                                  const sources::http_publisher& publisher,
                                  http::client_pool& clients, proxy::api_gateway& gateway) {
    return [&endpoints, &publisher, &clients, &gateway](http::exchange& ex) -> result {
        const auto& req = ex.req();
        const std::string_view path = http::target_path(req.target());
        const auto method = http::routing_method(req.method());

        if (path == "/_rig/v1/connection/sse") {
            // RIG's SSE handler answers any method (HEAD: the stream's head, then the end).
            co_return co_await endpoints.sse(ex);
        }
        if (path == "/_rig/v1/connection/ws") {
            co_return co_await endpoints.ws(ex);
        }
        if (path == "/_rig/v1/connection/longpolling") {
            if (method == http::verb::get) {
                co_return co_await endpoints.longpoll(ex);
            }
            if (method == http::verb::options) {
                co_return endpoints.preflight_longpoll();
            }
            co_return http::method_not_allowed("GET, OPTIONS");
        }
        if (path == "/_rig/v1/events") {
            if (method == http::verb::post) {
                co_return co_await publisher.handle(req, true, clients);
            }
            if (method == http::verb::options) {
                co_return publisher.preflight(req);
            }
            co_return http::method_not_allowed("POST, OPTIONS");
        }
        if (auto token = subscriptions_token(path)) {
            if (method == http::verb::put || method == http::verb::post) {
                co_return co_await endpoints.update_subscriptions(ex, *token);
            }
            if (method == http::verb::options) {
                co_return endpoints.preflight_subscriptions();
            }
            co_return http::method_not_allowed("PUT, POST, OPTIONS");
        }
        if (path == "/_rig/health") {
            if (method == http::verb::get) {
                co_return http::make_response(http::status::ok, "OK", http::text_type);
            }
            co_return http::method_not_allowed("GET, HEAD");
        }
        // RIG hands everything else to its API proxy, which answers 404 when no API matches
        // (and forwards HEAD as GET itself: it sees the request's own method).
        co_return co_await gateway.handle(ex);
    };
}

}  // namespace rig::app
