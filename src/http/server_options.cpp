#include "http/server_options.hpp"

namespace rig::http {

core::result<server_options> parse_server_options(const core::env& env) {
    server_options s;
    if (auto e = env.read_uint("RIG_MAX_BODY_BYTES", s.max_body_bytes, 1, 1ULL << 32,
                               "expected a size in bytes")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_MAX_HEADER_BYTES", s.max_header_bytes, 1024, 1 << 20,
                               "expected a size in bytes (1024-1048576)")) {
        return *e;
    }
    if (auto e = env.read_ms("RIG_HTTP_IDLE_TIMEOUT_MS", s.idle_timeout, 100)) {
        return *e;
    }
    if (auto e = env.read_ms("RIG_TLS_HANDSHAKE_TIMEOUT_MS", s.handshake_timeout, 100)) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_H2_MAX_STREAMS", s.h2_max_streams, 1, 100'000,
                               "expected a stream count (1-100000)")) {
        return *e;
    }
    if (auto e = env.read_bool("RIG_H2C", s.h2c)) {
        return *e;
    }
    return s;
}

}  // namespace rig::http
