#include "auth/auth_options.hpp"

#include "auth/jwt_verifier.hpp"

namespace rig::auth {
namespace {

// PEM keys given on one line with literal "\n" (common in env files) get real line breaks.
std::string unescape_pem(std::string key) {
    if (key.find("-----BEGIN") == std::string::npos || key.find('\n') != std::string::npos) {
        return key;
    }
    std::string fixed;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\' && i + 1 < key.size() && key[i + 1] == 'n') {
            fixed += '\n';
            ++i;
        } else {
            fixed += key[i];
        }
    }
    return fixed;
}

}  // namespace

core::result<auth_options> parse_auth_options(const core::env& env) {
    auth_options o;
    if (auto v = env.get("RIG_JWKS_URL")) {
        o.jwks_url = *v;
        if (!o.jwks_url.starts_with("http://") && !o.jwks_url.starts_with("https://")) {
            return core::bad_setting("RIG_JWKS_URL", "expected an http:// or https:// URL",
                                     *env.raw("RIG_JWKS_URL"));
        }
        o.jwt_algorithm = "RS256";
    }
    uint64_t leeway = 0, refresh = 300;
    if (auto e = env.read_uint("RIG_JWT_LEEWAY_S", leeway, 0, 3600, "expected seconds (0-3600)")) {
        return *e;
    }
    if (auto e = env.read_uint("RIG_JWKS_REFRESH_S", refresh, 10, 86400,
                               "expected seconds (10-86400)")) {
        return *e;
    }
    o.jwt_leeway = std::chrono::seconds(leeway);
    o.jwks_refresh = std::chrono::seconds(refresh);
    o.jwt_algorithm = env.value("JWT_ALG", o.jwt_algorithm);
    jwt_options j;
    j.algorithm = o.jwt_algorithm;
    j.leeway = o.jwt_leeway;
    if (auto key = env.raw("JWT_SECRET_KEY"); key && !key->empty()) {
        j.key = unescape_pem(*key);
    }
    // Validate the algorithm on its own first, so that the error names the right variable.
    if (auto probe = jwt_verifier::create({j.algorithm, "probe", {}});
        !probe && probe.error().message.starts_with("unsupported")) {
        return core::bad_setting("JWT_ALG", probe.error().message, j.algorithm);
    }
    if (!o.jwks_url.empty()) {
        if (auto v = jwt_verifier::create_for_key_set(j.algorithm, j.leeway); !v) {
            return core::bad_setting("JWT_ALG", v.error().message, j.algorithm);
        }
        if (!j.key.empty()) {
            return core::bad_request(
                "JWT_SECRET_KEY: set either JWT_SECRET_KEY or RIG_JWKS_URL, not both");
        }
    } else if (!j.key.empty()) {
        if (auto verifier = jwt_verifier::create(j); !verifier) {
            return core::bad_request("JWT_SECRET_KEY: " + verifier.error().message + " for " +
                                     j.algorithm);
        }
        o.jwt = std::move(j);
    }
    if (auto v = env.get("JWT_SESSION_FIELD")) {
        o.session_field = *v;
        if (o.session_field.front() != '/') {
            return core::bad_setting("JWT_SESSION_FIELD", "expected a JSON pointer such as /jti",
                                     *env.raw("JWT_SESSION_FIELD"));
        }
    }
    return o;
}

}  // namespace rig::auth
