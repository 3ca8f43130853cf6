#pragma once

#include "auth/token_validator.hpp"
#include "http/message.hpp"
#include "proxy/api_definition.hpp"

namespace rig::proxy {

// Whether a request to a secured endpoint of `api` carries at least one valid JWT (spec
// §8.5): from the query parameter `auth.query_name` (comma-separated tokens) when
// `auth.use_query`, and from the header `auth.header_name` when `auth.use_header` — for
// Authorization only `Bearer ` credentials (comma-separated), for any other header each value
// is one token. Valid means what it means everywhere in rig (signature, times, blacklist).
bool request_authorized(const http::request& req, const api_definition& api,
                        const auth::token_validator& jwt);

}  // namespace rig::proxy
