#pragma once

#include "http/client_pool.hpp"
#include "http/exchange.hpp"

namespace rig::proxy {
class api_gateway;
}
namespace rig::sources {
class http_publisher;
}
namespace rig::transport {
class endpoints;
}

namespace rig::app {

// The public listener's routes (spec §2.1) for one shard: connections, subscriptions, event
// submission, health; anything else goes to the API gateway.
http::handler make_inbound_routes(transport::endpoints& endpoints,
                                  const sources::http_publisher& publisher,
                                  http::client_pool& clients, proxy::api_gateway& gateway);

}  // namespace rig::app
