#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/env.hpp"

namespace rig::http {

// Limits of the HTTP server side (HTTP/1.1 and HTTP/2), per request and per connection.
struct server_options {
    std::size_t max_body_bytes = 1 << 20;     // RIG_MAX_BODY_BYTES: larger bodies get 413
    std::size_t max_header_bytes = 32 << 10;  // RIG_MAX_HEADER_BYTES: request line + headers
    // RIG_HTTP_IDLE_TIMEOUT_MS: how long a keep-alive connection may sit between requests,
    // and how long one request may take to arrive.
    std::chrono::milliseconds idle_timeout{60'000};
    // RIG_TLS_HANDSHAKE_TIMEOUT_MS: how long a TLS client may take to complete its handshake.
    std::chrono::milliseconds handshake_timeout{10'000};
    // RIG_H2_MAX_STREAMS: concurrent streams per HTTP/2 connection (SETTINGS).
    uint32_t h2_max_streams = 128;
    // RIG_H2C: serve HTTP/2 with prior knowledge (h2c) on the plain ports.
    bool h2c = true;
    // Access-Control-Allow-Origin for the errors the session answers itself (400, 413, 431),
    // so that browsers can read them; empty for none (internal API).
    std::string error_cors_origin;
    // Which request paths have their bodies streamed to the handler (http::request_body)
    // rather than read whole and bounded by max_body_bytes: the API gateway's. Null: none.
    // HTTP/1.1 only; HTTP/2 bodies are read whole.
    bool (*streams_body)(std::string_view path) = nullptr;
};

// RIG_MAX_BODY_BYTES, RIG_MAX_HEADER_BYTES, RIG_HTTP_IDLE_TIMEOUT_MS,
// RIG_TLS_HANDSHAKE_TIMEOUT_MS, RIG_H2_MAX_STREAMS and RIG_H2C.
core::result<server_options> parse_server_options(const core::env& env);

}  // namespace rig::http
