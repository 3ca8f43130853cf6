#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace rig::admin {

// POST /v{2,3}/session-blacklist (spec §6.2): {"sessionId": "...", "validityInSeconds": 60}.
struct blacklist_request {
    std::string session_id;
    uint64_t validity_seconds = 0;
};

// Validates the body (JSON, or application/x-www-form-urlencoded) with RIG's messages:
// missing values, a session id that is not a non-empty string, a validity that is not a
// positive number (or string of digits). Other content types are unsupported (415).
core::result<blacklist_request> parse_blacklist_request(std::string_view content_type,
                                                        std::string_view body);

}  // namespace rig::admin
