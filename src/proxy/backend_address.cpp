#include "proxy/backend_address.hpp"

#include <cstdlib>
#include <string_view>

#include "core/text.hpp"

namespace rig::proxy {

backend_address backend_of(const proxy_target& target) {
    std::string url = target.target_url;
    if (target.use_env) {
        const char* v = std::getenv(target.target_url.c_str());
        url = v != nullptr && *v != '\0' ? v : "localhost";
    }
    backend_address out;
    std::string_view rest = url;
    if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
        out.tls = core::lower(rest.substr(0, scheme_end)) == "https";
        rest.remove_prefix(scheme_end + 3);
    }
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        out.host = std::string(rest.substr(1, close == std::string_view::npos ? close : close - 1));
    } else {
        out.host = std::string(rest.substr(0, rest.find_first_of(":/?#")));
    }
    out.port = std::to_string(target.port);
    out.pool_key = (out.tls ? "https://" : "http://") + out.host + ':' + out.port;
    return out;
}

}  // namespace rig::proxy
