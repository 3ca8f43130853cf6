#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/env.hpp"

namespace rig::auth {

struct jwt_options {
    // HS256/384/512 (key = shared secret), RS256/384/512 (PEM public key or X.509
    // certificate), ES256/384 (PEM EC public key or certificate), EdDSA (Ed25519 PEM).
    std::string algorithm = "HS256";
    std::string key;
    // Tolerance for exp and nbf against clock drift between issuer and rig.
    std::chrono::seconds leeway{0};
};

// How tokens are verified (spec §12.2, plus rig's JWKS and leeway settings).
struct auth_options {
    std::optional<jwt_options> jwt;          // JWT_SECRET_KEY + JWT_ALG, when a key is set
    std::string jwks_url;                    // RIG_JWKS_URL (keys by kid, instead of a key)
    std::chrono::seconds jwks_refresh{300};  // RIG_JWKS_REFRESH_S
    std::string jwt_algorithm = "HS256";     // JWT_ALG (RS256 by default with RIG_JWKS_URL)
    std::chrono::seconds jwt_leeway{0};      // RIG_JWT_LEEWAY_S
    std::string session_field = "/jti";      // JWT_SESSION_FIELD
};

// JWT_SECRET_KEY, JWT_ALG, RIG_JWKS_URL, RIG_JWKS_REFRESH_S, RIG_JWT_LEEWAY_S and
// JWT_SESSION_FIELD. The key is checked against the algorithm here, so that a bad key stops
// start-up naming its variable.
core::result<auth_options> parse_auth_options(const core::env& env);

}  // namespace rig::auth
