#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/async_response.hpp"

namespace rig::proxy {

// The wire form of an asynchronous response that one cluster node sends on to the node whose
// request waits for it (the response_router's remote hook on one side, the router's deliver()
// on the other). Text lines, then the body verbatim:
//
//   rig-response/1\n<correlation>\n<status>\n<header count>\n(<name>\n<value>\n)*<body>
//
// Header names and values never hold a line break: the response parsers drop such headers,
// and the encoder drops any that still would. Pure functions.

// At most this many headers are accepted from the wire (a response has far fewer).
inline constexpr std::size_t max_forwarded_headers = 1000;

std::string encode_forwarded_response(const correlated_response& message);

// Nothing when `wire` is not a well-formed message (unknown version, status outside 100-599,
// too many headers, truncated).
std::optional<correlated_response> decode_forwarded_response(std::string_view wire);

}  // namespace rig::proxy
