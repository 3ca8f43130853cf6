#pragma once

#include <string_view>

#include "http/message.hpp"

namespace rig::app {

// What the public listener does with a request (spec §2.1), decided from its method and
// origin-form target alone, so that the decision can be tested and fuzzed without live
// endpoints. HEAD is matched as GET (http::routing_method). Unknown paths, `/_rig/...` ones
// included, go to the API gateway, as in RIG.
enum class route_kind {
    sse,                      // /_rig/v1/connection/sse, any method
    ws,                       // /_rig/v1/connection/ws, any method (the handshake checks it)
    longpoll,                 // GET /_rig/v1/connection/longpolling
    longpoll_preflight,       // OPTIONS /_rig/v1/connection/longpolling
    events,                   // POST /_rig/v1/events
    events_preflight,         // OPTIONS /_rig/v1/events
    subscriptions,            // PUT|POST /_rig/v1/connection/{sse|ws|longpolling}/T/subscriptions
    subscriptions_preflight,  // OPTIONS on that path
    health,                   // GET /_rig/health
    method_not_allowed,       // a rig path under another method: 405 with `allow`
    gateway,                  // everything else: the API proxy (404 when no API matches)
};

// One route. Views point into the target given to match_route or into static storage.
struct route {
    route_kind kind = route_kind::gateway;
    std::string_view allow;  // method_not_allowed: the Allow header's value
    std::string_view token;  // subscriptions, subscriptions_preflight: the connection token
};

// The route of a request whose target is in origin form (h1 sessions rewrite absolute-form
// targets first: http::to_origin_form).
route match_route(http::verb method, std::string_view target);

}  // namespace rig::app
