#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/env.hpp"

namespace rig::transport {

// Settings of the client-facing connection endpoints (SSE, WebSocket, long polling).
struct transport_options {
    std::string cors_origin = "*";                   // CORS
    uint32_t max_connections_per_minute = 5000;      // MAX_CONNECTIONS_PER_MINUTE (0 = no limit)
    std::size_t max_queue_bytes = 1 << 20;           // RIG_MAX_QUEUE_BYTES per connection
    std::size_t max_subscriptions = 1000;            // RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION
    std::size_t max_subscription_bytes = 256 << 10;  // RIG_MAX_SUBSCRIPTION_BYTES (as JSON)
    // RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION: field constraints in one subscription, over all
    // its alternatives (each is evaluated per matching event).
    std::size_t max_constraints = 64;
    std::size_t max_event_type_bytes = 256;  // RIG_MAX_EVENT_TYPE_BYTES of a subscription
    // RIG_MAX_SUBSCRIPTIONS: subscriptions all connections of the node hold together (0 = no
    // cap), so that per-connection limits times connections cannot pin the machine's memory.
    std::size_t max_node_subscriptions = 2'000'000;
    std::chrono::milliseconds heartbeat_interval{15'000};       // RIG_HEARTBEAT_INTERVAL_MS
    std::chrono::milliseconds longpoll_hold{5'000};             // RIG_LONGPOLL_HOLD_MS
    std::chrono::milliseconds longpoll_session_ttl{3'600'000};  // RIG_LONGPOLL_SESSION_TTL_MS
    std::size_t longpoll_buffer = 200;  // RIG_LONGPOLL_BUFFER events per session
};

// CORS, MAX_CONNECTIONS_PER_MINUTE and the RIG_* limits of the connection endpoints.
core::result<transport_options> parse_transport_options(const core::env& env);

}  // namespace rig::transport
