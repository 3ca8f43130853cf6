#include "transport/transport_options.hpp"

namespace rig::transport {

core::result<transport_options> parse_transport_options(const core::env& env) {
    transport_options t;
    if (auto v = env.raw("CORS"); v && !v->empty()) {
        if (v->find_first_of("\r\n") != std::string::npos) {
            return core::bad_setting("CORS", "expected a header value without line breaks", *v);
        }
        t.cors_origin = env.value("CORS", "");
    }
    if (auto e = env.read_uint("MAX_CONNECTIONS_PER_MINUTE", t.max_connections_per_minute, 0,
                               UINT32_MAX, "expected a non-negative integer")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_QUEUE_BYTES", t.max_queue_bytes, 1024, 1ULL << 32,
                               "expected a size in bytes (at least 1024)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", t.max_subscriptions, 1,
                               1'000'000, "expected a count (1-1000000)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_SUBSCRIPTIONS", t.max_node_subscriptions, 0, 1'000'000'000,
                               "expected a count (0 = no cap)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_SUBSCRIPTION_BYTES", t.max_subscription_bytes, 1024,
                               1ULL << 30, "expected a size in bytes (at least 1024)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION", t.max_constraints, 1,
                               1'000'000, "expected a count (1-1000000)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_EVENT_TYPE_BYTES", t.max_event_type_bytes, 1, 1 << 20,
                               "expected a size in bytes (1-1048576)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_LONGPOLL_BUFFER", t.longpoll_buffer, 1, 100'000,
                               "expected an event count (1-100000)")) {
        return *e;
    }
    if (auto e = env.read_ms("RIG_HEARTBEAT_INTERVAL_MS", t.heartbeat_interval, 100)) {
        return *e;
    }
    if (auto e = env.read_ms("RIG_LONGPOLL_HOLD_MS", t.longpoll_hold, 0)) {
        return *e;
    }
    if (auto e = env.read_ms("RIG_LONGPOLL_SESSION_TTL_MS", t.longpoll_session_ttl, 1000)) {
        return *e;
    }
    return t;
}

}  // namespace rig::transport
