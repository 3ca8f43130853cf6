#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

namespace rig::http::websocket {

// Checks a WebSocket opening handshake (RFC 6455 §4.2.1): method GET, HTTP/1.1 or later,
// `Upgrade: websocket` (case-insensitive, may be in a list), `Connection` listing the token
// `upgrade` (case-insensitive, comma list), `Sec-WebSocket-Version: 13`, and a
// `Sec-WebSocket-Key` that base64-decodes to exactly 16 bytes.
// Returns the complete "HTTP/1.1 101 Switching Protocols" response head (status line,
// Upgrade, Connection, Sec-WebSocket-Accept, then `extra_headers` verbatim — each already
// "name: value\r\n" — then the blank line), or a core::error with condition bad_request and a
// message saying what is wrong. Pure function; any thread.
core::result<std::string> accept(const http::request& req, std::string_view extra_headers);

// True when the request asks for an upgrade to WebSocket at all (Upgrade header names
// websocket), so a router can tell "bad handshake" from "not a WebSocket request".
bool is_upgrade(const http::request& req);

}  // namespace rig::http::websocket
