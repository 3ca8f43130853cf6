#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/token_validator.hpp"
#include "http/client_tls.hpp"
#include "http/exchange.hpp"
#include "proxy/api_registry.hpp"
#include "proxy/backend_client.hpp"
#include "proxy/proxy_options.hpp"
#include "proxy/request_metrics.hpp"
#include "proxy/route_table.hpp"

namespace rig::proxy {

// What every shard's gateway shares: the API definitions, the settings, JWT validation and
// the CORS origin. Lives as long as the node.
struct gateway_context {
    const api_registry& registry;
    const proxy_options& options;
    const auth::token_validator& jwt;
    std::string cors_origin;  // CORS
};

// One shard's API gateway (spec §8): every request on the public port that is not one of
// rig's own goes here. It finds the endpoint (§8.4; the route table is rebuilt on this shard
// by the first request after the definitions changed), checks the JWT of a secured endpoint
// (§8.5), and forwards to the HTTP backend (§8.6) through the shard's backend_client.
// Nothing matches → 404 {"message":"Not Found"}.
//
// @par Thread safety
// One per shard; used only on that shard's thread (metrics() is read from any).
class api_gateway {
public:
    api_gateway(const gateway_context& context, asio::io_context& io, http::client_tls tls);
    ~api_gateway();
    api_gateway(const api_gateway&) = delete;
    api_gateway& operator=(const api_gateway&) = delete;

    asio::awaitable<std::optional<http::response>> handle(http::exchange& ex);

    const request_metrics& metrics() const { return metrics_; }
    void close_idle() { backends_.close_idle(); }

private:
    const route_table& routes();
    asio::awaitable<std::optional<http::response>> forward_http(http::exchange& ex,
                                                                const route_match& match,
                                                                request_status& status);

    const gateway_context& context_;
    backend_client backends_;
    request_metrics metrics_;
    std::unique_ptr<route_table> routes_;
    uint64_t routes_version_ = 0;
};

// The backend of an API (spec §8.6): `target_url`, or with `use_env` the value of the variable
// it names (localhost when unset); its scheme when it has one (http otherwise); its port and
// path ignored for `port`.
backend_address backend_of(const proxy_target& target);

}  // namespace rig::proxy
