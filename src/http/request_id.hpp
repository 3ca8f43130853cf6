#pragma once

#include <string>
#include <string_view>

#include "http/exchange.hpp"

namespace rig::http {

// The x-request-id of a request's response (spec §2.1, Plug.RequestId): the client's own when
// it is sane (20 to 200 characters of A-Z a-z 0-9 and - _ . + / = :), else a new random one
// (20 characters, base64url).
std::string request_id_for(std::string_view client_value);

// Wraps a listener's routes so that every response they return carries x-request-id (kept
// when the handler set one, as a proxied backend may). Responses a handler takes over (SSE,
// WebSocket) are not touched, as RIG's raw handlers are not.
handler with_request_id(handler inner);

}  // namespace rig::http
