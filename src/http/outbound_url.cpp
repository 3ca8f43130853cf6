#include "http/outbound_url.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace rig::http {

core::result<outbound_url> parse_outbound_url(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        return core::bad_request("not an absolute URL");
    }
    outbound_url out;
    switch (parsed->scheme_id()) {
        case boost::urls::scheme::http:
            out.tls = false;
            break;
        case boost::urls::scheme::https:
            out.tls = true;
            break;
        default:
            return core::bad_request("expected an http:// or https:// URL");
    }
    out.host = parsed->host_address();
    if (!parsed->has_authority() || out.host.empty()) {
        return core::bad_request("the URL names no host");
    }
    // "host:" (an empty port) means the default port, as in browsers.
    if (parsed->has_port() && !parsed->port().empty()) {
        // port_number() wraps ports above 65535 around, so read it here.
        const std::string_view digits = parsed->port();
        unsigned n = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc{} || end != digits.data() + digits.size() || n == 0 || n > 65535) {
            return core::bad_request("expected a port number (1-65535)");
        }
        out.port = std::to_string(n);
    } else {
        out.port = out.tls ? "443" : "80";
    }
    out.target = parsed->encoded_target();
    if (out.target.empty()) {
        out.target.push_back('/');  // (assigning "/" trips a false GCC 12 -Wstringop-overflow)
    }
    out.host_header = parsed->encoded_host_and_port();
    if (out.host_header.ends_with(':')) {
        out.host_header.pop_back();
    }
    out.pool_key = std::string(out.tls ? "https://" : "http://") +
                   std::string(parsed->encoded_host()) + ":" + out.port;
    return out;
}

}  // namespace rig::http
