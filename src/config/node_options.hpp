#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "admin/metrics_options.hpp"
#include "auth/auth_options.hpp"
#include "checks/check_options.hpp"
#include "cluster/cluster_options.hpp"
#include "core/env.hpp"
#include "core/log.hpp"
#include "http/server_options.hpp"
#include "hub/event_history.hpp"
#include "net/tls_context.hpp"
#include "proxy/proxy_options.hpp"
#include "sources/kafka_options.hpp"
#include "sources/kinesis_options.hpp"
#include "sources/nats_options.hpp"
#include "subscription/extractors.hpp"
#include "tracing/tracing_options.hpp"
#include "transport/transport_options.hpp"

namespace rig::config {

// Everything a node is configured with, validated. Built from the environment once at
// start-up (load_from_env); nothing below app reads the environment itself. Each module's
// settings are read by its own parser next to its options struct (sources/kafka_options.hpp,
// http/server_options.hpp, ...); load() composes them.
struct node_options {
    std::string bind_address = "0.0.0.0";         // RIG_BIND_ADDRESS (public listener)
    uint16_t inbound_port = 4000;                 // INBOUND_PORT
    std::string api_bind_address = "0.0.0.0";     // RIG_API_BIND_ADDRESS (internal API)
    uint16_t api_port = 4010;                     // API_HTTP_PORT
    uint16_t inbound_https_port = 4001;           // INBOUND_HTTPS_PORT
    uint16_t api_https_port = 4011;               // API_HTTPS_PORT
    bool http2 = true;                            // RIG_HTTP2: offer h2 by ALPN on HTTPS
    std::shared_ptr<const net::tls_context> tls;  // HTTPS_CERTFILE + _KEYFILE; null = off
    unsigned shards = 1;                          // RIG_SHARDS (default: number of cores)
    // RIG_MAX_CONNECTIONS: public connections at once; unset: from RLIMIT_NOFILE; 0: no cap.
    std::optional<std::size_t> max_connections;
    log::level log_level = log::level::info;          // LOG_LEVEL
    log::format log_format = log::format::erlang;     // LOG_FMT
    std::chrono::milliseconds drain_timeout{10'000};  // RIG_DRAIN_TIMEOUT_MS
    std::string node_cookie;                          // NODE_COOKIE: connection-token key material
    std::optional<cluster::cluster_options> cluster;  // RIG_CLUSTER_NATS: cluster mode on
    std::string ready_file;                           // RIG_READY_FILE: ports written here when up
    std::optional<auth::jwt_options> jwt;             // JWT_SECRET_KEY + JWT_ALG, when a key is set
    std::string jwks_url;                         // RIG_JWKS_URL (keys by kid, instead of a key)
    std::chrono::seconds jwks_refresh{300};       // RIG_JWKS_REFRESH_S
    std::string jwt_algorithm = "HS256";          // JWT_ALG (RS256 by default with RIG_JWKS_URL)
    std::chrono::seconds jwt_leeway{0};           // RIG_JWT_LEEWAY_S
    std::string session_field = "/jti";           // JWT_SESSION_FIELD
    checks::check_options subscription_check;     // SUBSCRIPTION_CHECK (+ RIG_CHECK_TIMEOUT_MS)
    checks::check_options submission_check;       // SUBMISSION_CHECK (+ RIG_CHECK_TIMEOUT_MS)
    std::string tls_ca_file;                      // RIG_TLS_CA_FILE: extra CAs, outbound https
    std::string api_key;                          // RIG_API_KEY
    subscription::extractors extractors;          // EXTRACTORS
    std::optional<sources::kafka_options> kafka;  // when KAFKA_BROKERS is set
    std::optional<sources::nats_options> nats;    // when NATS_SERVERS is set
    std::optional<sources::kinesis_options> kinesis;  // when KINESIS_ENABLED is true
    unsigned source_batch_window = 16;       // RIG_SOURCE_BATCH_WINDOW: batches queued per shard
    std::size_t max_batch_events = 1000;     // RIG_MAX_BATCH_EVENTS: events per batched submission
    std::size_t dashboard_max_streams = 16;  // RIG_DASHBOARD_MAX_STREAMS: live dashboard streams
    // RIG_HISTORY_SIZE, RIG_HISTORY_TTL_S, RIG_HISTORY_MAX_BYTES: events kept for resuming.
    hub::event_history::limits history;
    http::server_options http;
    transport::transport_options transport;
    proxy::proxy_options proxy;
    tracing::tracing_options tracing;  // ZIPKIN_*, JAEGER_HOST, RIG_ZIPKIN_*, tracestate bound
    admin::metrics_options metrics;    // PROMETHEUS_METRICS_ENABLED, RIG_METRICS_MAX_EVENT_TYPES
};

using env_lookup = core::env_lookup;

// Reads and validates every setting. The error names the variable and what is wrong with it,
// in one line, e.g. `INBOUND_PORT: expected a port number (0-65535), got "x"`.
core::result<node_options> load(const env_lookup& env);

// load() over the process environment.
core::result<node_options> load_from_env();

// LOG_FMT from the process environment, for the one line about a configuration load() refused:
// erlang when unset or not a valid format (load() reports that).
log::format log_format_from_env();

}  // namespace rig::config
