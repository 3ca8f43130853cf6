#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace rig::auth {

struct jwt_options {
    // HS256/384/512 (key = shared secret), RS256/384/512 (PEM public key or X.509
    // certificate), ES256/384 (PEM EC public key or certificate), EdDSA (Ed25519 PEM).
    std::string algorithm = "HS256";
    std::string key;
    // Tolerance for exp and nbf against clock drift between issuer and rig.
    std::chrono::seconds leeway{0};
};

// Verifies compact JWS tokens against one configured algorithm and key.
//
// A token is valid only if: it has three base64url parts; its header's `alg` equals the
// configured algorithm exactly (so never "none", and an HS token is never checked against an
// RSA key); the signature verifies; `exp` is present, numeric and in the future; and `nbf`,
// when present, is numeric and not in the future.
//
// @par Thread safety
// Immutable after create(); verify() may be called from any thread.
class jwt_verifier {
public:
    static core::result<std::shared_ptr<const jwt_verifier>> create(const jwt_options& options);
    ~jwt_verifier();

    // The token's claims, or an error whose message says why it was refused.
    core::result<boost::json::object> verify(std::string_view token,
                                             std::chrono::system_clock::time_point now) const;
    core::result<boost::json::object> verify(std::string_view token) const {
        return verify(token, std::chrono::system_clock::now());
    }

    struct key_material;

private:
    explicit jwt_verifier(std::unique_ptr<key_material> key);
    std::unique_ptr<key_material> key_;
    std::chrono::seconds leeway_{0};
};

}  // namespace rig::auth
