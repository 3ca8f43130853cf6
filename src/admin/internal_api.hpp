#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "admin/dashboard_streams.hpp"
#include "auth/session_blacklist.hpp"
#include "http/client_pool.hpp"
#include "http/exchange.hpp"
#include "hub/hub.hpp"
#include "proxy/api_registry.hpp"
#include "proxy/response_router.hpp"
#include "sources/http_publisher.hpp"
#include "sources/source_status.hpp"

namespace rig::admin {

// The internal API (spec §7; port API_HTTP_PORT, and API_HTTPS_PORT with TLS): health,
// source health, Prometheus metrics, event submission without checks (/v2|v3/messages) and
// the session blacklist (/v2|v3/session-blacklist). With RIG_API_KEY set, everything but
// /health needs `Authorization: Bearer <key>`.
//
// Blacklisting a session records it (auth::session_blacklist, refused from then on) and
// calls `blacklisted`, which app wires to end the session's connections on every shard (and,
// in a cluster, to share the entry with every node).
//
// The API gateway's definitions are managed under /v2|v3/apis (spec §7.2).
//
// GET /dashboard is the live dashboard's page (served without the key: it holds no data, and
// asks for the key itself); GET /dashboard/stream its snapshots (admin::dashboard_streams).
//
// In a cluster, GET /health/cluster reports the backplane link (503 while it is down; /health
// stays 200 for the node itself) and /metrics adds the cluster's counters. With
// PROMETHEUS_METRICS_ENABLED=false, /metrics is not routed (404).
//
// @par Thread safety
// Immutable after construction; handle() may run on any shard (it runs on shard 0).
class internal_api {
public:
    using blacklist_hook = std::function<void(const std::string& session,
                                              auth::session_blacklist::clock::time_point expires)>;

    // What the internal API shows of the cluster; both empty without one.
    struct cluster_view {
        std::function<std::string(bool& connected)> health;  // JSON
        std::function<std::string()> metrics;                // Prometheus lines
    };

    // What the internal API manages and shows of the API gateway.
    struct proxy_view {
        proxy::api_registry* apis;             // /v2|v3/apis (null: none)
        proxy::response_router* responses;     // /v2|v3/responses (null: none)
        std::function<std::string()> metrics;  // Prometheus lines
    };

    internal_api(auth::session_blacklist& blacklist, std::string api_key, const hub::hub& events,
                 const sources::http_publisher& publisher,
                 const std::vector<const sources::source_status*>& sources,
                 blacklist_hook blacklisted, cluster_view cluster = {}, proxy_view proxy = {},
                 bool metrics_enabled = true, dashboard_streams* dashboard = nullptr);

    // `clients` is the calling shard's outbound pool.
    asio::awaitable<std::optional<http::response>> handle(http::exchange& ex,
                                                          http::client_pool& clients) const;

private:
    bool key_accepted(const http::request& req) const;
    // The paths that answer without the API key: /health and the dashboard's page.
    std::optional<http::response> open_path(std::string_view path, http::verb method) const;
    // /health/sources and /health/cluster.
    std::optional<http::response> health(std::string_view path) const;
    // GET of one blacklisted session, POST of a new one (v3 and v2).
    std::optional<http::response> blacklist_path(const http::request& req, std::string_view path,
                                                 http::verb method) const;
    http::response blacklist(const http::request& req, std::string_view path) const;
    http::response metrics() const;
    std::optional<http::response> apis(const http::request& req, std::string_view path) const;
    http::response responses(const http::request& req, bool v3) const;

    auth::session_blacklist& blacklist_;
    std::string api_key_;
    const hub::hub& events_;
    const sources::http_publisher& publisher_;
    const std::vector<const sources::source_status*>& sources_;
    blacklist_hook blacklisted_;
    cluster_view cluster_;
    proxy_view proxy_;
    bool metrics_enabled_;          // PROMETHEUS_METRICS_ENABLED: without it /metrics is 404
    dashboard_streams* dashboard_;  // null: no dashboard
};

}  // namespace rig::admin
