#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace rig::http {

// Limits of the HTTP/1.1 server side, per request and per connection.
struct server_options {
    std::size_t max_body_bytes = 1 << 20;     // RIG_MAX_BODY_BYTES: larger bodies get 413
    std::size_t max_header_bytes = 32 << 10;  // RIG_MAX_HEADER_BYTES: request line + headers
    // RIG_HTTP_IDLE_TIMEOUT_MS: how long a keep-alive connection may sit between requests,
    // and how long one request may take to arrive.
    std::chrono::milliseconds idle_timeout{60'000};
    // Access-Control-Allow-Origin for the errors the session answers itself (400, 413, 431),
    // so that browsers can read them; empty for none (internal API).
    std::string error_cors_origin;
};

}  // namespace rig::http
