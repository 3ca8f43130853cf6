#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rig::bench {

// http://host:port/path?query or ws://... — all a load generator needs of a URL.
struct url {
    bool websocket = false;
    std::string host;
    uint16_t port = 80;
    std::string target;  // path and query, as sent on the request line
};

std::optional<url> parse_url(std::string_view text);

// Replaces every "{name}" in `tmpl` with `value`.
std::string fill(std::string tmpl, std::string_view name, std::string_view value);

}  // namespace rig::bench
