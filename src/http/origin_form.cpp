#include "http/origin_form.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <string_view>

namespace rig::http {

bool to_origin_form(boost::beast::http::request_header<>& req) {
    const std::string_view target = req.target();
    if (target.empty() || target.front() == '/' || target == "*") {
        return false;
    }
    auto parsed = boost::urls::parse_absolute_uri(target);
    if (!parsed ||
        (parsed->scheme_id() != boost::urls::scheme::http &&
         parsed->scheme_id() != boost::urls::scheme::https) ||
        !parsed->has_authority() || parsed->encoded_host().empty()) {
        return false;
    }
    // Boost.URL 1.81 reads `http://h:.1/x` as port "" and path ".1/x": a path after an
    // authority is empty or starts with '/' (RFC 3986 path-abempty), anything else is refused.
    const std::string_view path = parsed->encoded_path();
    if (!path.empty() && path.front() != '/') {
        return false;
    }
    std::string origin = path.empty() ? "/" : std::string(path);
    if (parsed->has_query()) {
        origin += '?';
        origin += parsed->encoded_query();
    }
    const std::string host(parsed->encoded_host_and_port());
    req.target(origin);
    req.set(boost::beast::http::field::host, host);
    return true;
}

}  // namespace rig::http
