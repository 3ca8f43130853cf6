#include "app/routes.hpp"

#include "app/route_match.hpp"
#include "http/responses.hpp"
#include "proxy/api_gateway.hpp"
#include "sources/http_publisher.hpp"
#include "transport/endpoints.hpp"

namespace rig::app {
namespace {

using result = asio::awaitable<std::optional<http::response>>;

}  // namespace

http::handler make_inbound_routes(transport::endpoints& endpoints,
                                  const sources::http_publisher& publisher,
                                  http::client_pool& clients, proxy::api_gateway& gateway) {
    return [&endpoints, &publisher, &clients, &gateway](http::exchange& ex) -> result {
        const auto& req = ex.req();
        const route r = match_route(req.method(), req.target());
        switch (r.kind) {
            case route_kind::sse:
                co_return co_await endpoints.sse(ex);
            case route_kind::ws:
                co_return co_await endpoints.ws(ex);
            case route_kind::longpoll:
                co_return co_await endpoints.longpoll(ex);
            case route_kind::longpoll_preflight:
                co_return endpoints.preflight_longpoll();
            case route_kind::events:
                co_return co_await publisher.handle(req, true, clients);
            case route_kind::events_preflight:
                co_return publisher.preflight(req);
            case route_kind::subscriptions:
                co_return co_await endpoints.update_subscriptions(ex, r.token);
            case route_kind::subscriptions_preflight:
                co_return endpoints.preflight_subscriptions();
            case route_kind::health:
                co_return http::make_response(http::status::ok, "OK", http::text_type);
            case route_kind::method_not_allowed:
                co_return http::method_not_allowed(r.allow);
            case route_kind::gateway:
                break;
        }
        co_return co_await gateway.handle(ex);
    };
}

}  // namespace rig::app
