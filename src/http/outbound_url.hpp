#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace rig::http {

// Where an outbound request goes (an external check URL), parsed once per request by
// client_pool and once at start-up by config to refuse a bad setting early.
struct outbound_url {
    bool tls = false;         // https://
    std::string host;         // for resolving, SNI and the certificate check (IPv6 unbracketed)
    std::string port;         // the URL's, or 80 / 443
    std::string target;       // path and query; "/" when the URL has none
    std::string host_header;  // the Host header: host[:port] as the URL writes it
    std::string pool_key;     // scheme://host:port: connections are reused only for the same key
};

// Parses an absolute http:// or https:// URL (scheme in any case) that names a host; anything
// else is an error whose message says what is wrong (without repeating the URL).
core::result<outbound_url> parse_outbound_url(std::string_view url);

}  // namespace rig::http
