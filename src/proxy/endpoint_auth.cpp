#include "proxy/endpoint_auth.hpp"

#include <boost/beast/core/string.hpp>

#include "core/text.hpp"
#include "http/request_parts.hpp"

namespace rig::proxy {
namespace {

// Calls `f` with each comma-separated, trimmed, non-empty item of `list` until it says stop.
template <class F>
bool any_item(std::string_view list, F&& f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = core::trim(list.substr(0, comma));
        if (!item.empty() && f(item)) {
            return true;
        }
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return false;
}

}  // namespace

bool request_authorized(const http::request& req, const api_definition& api,
                        const auth::token_validator& jwt) {
    if (!jwt.configured()) {
        return false;
    }
    const auto valid = [&jwt](std::string_view token) { return jwt.validate(token).has_value(); };
    if (api.auth.use_query && !api.auth.query_name.empty()) {
        if (auto tokens = http::query_param(req.target(), api.auth.query_name);
            tokens && any_item(*tokens, valid)) {
            return true;
        }
    }
    if (api.auth.use_header && !api.auth.header_name.empty()) {
        const bool authorization = boost::beast::iequals(api.auth.header_name, "authorization");
        for (const auto& f : req) {
            if (!boost::beast::iequals(f.name_string(), api.auth.header_name)) {
                continue;
            }
            const std::string_view value = f.value();
            if (!authorization) {
                if (valid(core::trim(value))) {
                    return true;
                }
                continue;
            }
            constexpr std::string_view bearer = "Bearer ";
            if (any_item(value, [&](std::string_view credential) {
                    return credential.starts_with(bearer) &&
                           valid(core::trim(credential.substr(bearer.size())));
                })) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace rig::proxy
