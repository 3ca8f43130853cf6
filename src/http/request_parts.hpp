#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace rig::http {

// The method a router matches a request by: HEAD is answered as GET on every route (spec §2.1,
// RIG's Plug.Head). The session then sends the GET response's head only, Content-Length
// included. The request itself keeps HEAD, so handlers that stream (SSE) or forward (the API
// gateway) still see it.
inline verb routing_method(verb m) {
    return m == verb::head ? verb::get : m;
}

// The path of a request target, without the query.
std::string_view target_path(std::string_view target);

// The percent-decoded value of query parameter `name` (first occurrence), if present.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

// The value of cookie `name` from the request's Cookie headers, if present.
std::optional<std::string> cookie(const request& req, std::string_view name);

// Every value of a header that may repeat, each split at commas and trimmed.
std::vector<std::string> header_list(const request& req, field f);

}  // namespace rig::http
