#pragma once

#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"
#include "http/server_options.hpp"

namespace rig::http {

inline constexpr std::string_view json_type = "application/json; charset=utf-8";
inline constexpr std::string_view text_type = "text/plain; charset=utf-8";

// The one mapping from a failure condition to an HTTP status.
status to_status(core::condition c);

// A response with a body of the given media type (Content-Length set on write).
response make_response(status s, std::string body, std::string_view content_type);

// A response with no body.
response make_empty(status s);

// {"error": message} with the status of `e.cond`.
response make_error(const core::error& e);

// 405 with the Allow header listing `allow`.
response method_not_allowed(std::string_view allow);

// An error response whose JSON body has another shape (RIG's 404 bodies), with the status
// of `c`.
response make_error_body(core::condition c, std::string json_body);

// Why the session could not read a request (Beast's parse error): too large a body or head,
// or malformed.
core::error request_error(const boost::system::error_code& ec, const server_options& options);

// The bytes of `res` on the wire as an HTTP/1.1 response: status line, its headers,
// Content-Length, Connection when needed, and the body (left out for HEAD). Cheaper than
// Beast's generic serializer for the small, complete responses rig sends.
std::string serialize(const response& res, bool keep_alive, unsigned request_version,
                      bool head_request);

// The status line and headers of `res` only (a response whose body follows separately).
std::string serialize_head(const response& res);

}  // namespace rig::http
