#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rig::bench {

// http(s)://host:port/path?query or ws(s)://... — all a load generator needs of a URL.
struct url {
    bool websocket = false;
    bool tls = false;  // https:// or wss://
    std::string host;
    uint16_t port = 80;
    std::string target;  // path and query, as sent on the request line

    // host:port, for the Host header and HTTP/2's :authority.
    std::string authority() const { return host + ":" + std::to_string(port); }
};

std::optional<url> parse_url(std::string_view text);

// Replaces every "{name}" in `tmpl` with `value`.
std::string fill(std::string tmpl, std::string_view name, std::string_view value);

}  // namespace rig::bench
