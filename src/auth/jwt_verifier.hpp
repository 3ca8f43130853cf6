#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_options.hpp"
#include "core/error.hpp"

namespace rig::auth {

// One verification key: an HMAC secret or a public key (RSA, EC P-256/P-384, Ed25519).
// Opaque; made by jwt_key::from_options (PEM or secret) or parse_jwks.
class jwt_key {
public:
    struct impl;
    explicit jwt_key(std::unique_ptr<impl> i);
    jwt_key(const jwt_key&) = delete;
    jwt_key& operator=(const jwt_key&) = delete;
    ~jwt_key();
    const impl& get() const { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

// Keys by id ("kid"), as a JWKS endpoint publishes them.
using jwt_key_set = std::map<std::string, std::shared_ptr<const jwt_key>, std::less<>>;

// Parses a JWK Set (RFC 7517): RSA, EC (P-256, P-384) and OKP (Ed25519) public keys; keys
// for encryption ("use": "enc") and unknown kinds are skipped.
core::result<jwt_key_set> parse_jwks(std::string_view json);

// Verifies compact JWS tokens against one configured algorithm, with one static key or the
// keys of a JWK Set (selected by the token's "kid").
//
// A token is valid only if: it has three base64url parts; its header's `alg` equals the
// configured algorithm exactly (so never "none", and an HS token is never checked against an
// RSA key); the key's type fits that algorithm; the signature verifies; `exp` is present,
// numeric and in the future; and `nbf`, when present, is numeric and not in the future
// (both with the configured leeway).
//
// @par Thread safety
// verify() may be called from any thread; set_keys() from any thread (the key set is swapped
// under a mutex, and verification uses the set it started with).
class jwt_verifier {
public:
    // A verifier for one static key (JWT_SECRET_KEY).
    static core::result<std::shared_ptr<jwt_verifier>> create(const jwt_options& options);
    // A verifier whose keys arrive later through set_keys() (RIG_JWKS_URL).
    static core::result<std::shared_ptr<jwt_verifier>> create_for_key_set(
        const std::string& algorithm, std::chrono::seconds leeway);
    jwt_verifier(const jwt_verifier&) = delete;
    jwt_verifier& operator=(const jwt_verifier&) = delete;
    ~jwt_verifier();

    // The token's claims, or an error whose message says why it was refused.
    core::result<boost::json::object> verify(std::string_view token,
                                             std::chrono::system_clock::time_point now) const;
    core::result<boost::json::object> verify(std::string_view token) const {
        return verify(token, std::chrono::system_clock::now());
    }

    void set_keys(std::shared_ptr<const jwt_key_set> keys);
    // Called (on the verifying thread) when a token names a key id the set does not hold,
    // so that a fetcher can refresh early. Set before use.
    void on_unknown_key(std::function<void()> f) { on_unknown_key_ = std::move(f); }

    struct algorithm_info;  // defined in the .cpp

private:
    jwt_verifier(const algorithm_info* alg, std::chrono::seconds leeway)
        : alg_(alg), leeway_(leeway) {}

    // The key that checks a token with this header: the static one, or the key set's by kid.
    core::result<std::shared_ptr<const jwt_key>> key_for(const boost::json::object& header) const;
    // exp and nbf against `now`, with the leeway.
    std::optional<core::error> check_times(const boost::json::object& claims,
                                           std::chrono::system_clock::time_point now) const;

    const algorithm_info* alg_;
    std::chrono::seconds leeway_;
    std::shared_ptr<const jwt_key> static_key_;
    mutable std::mutex keys_mutex_;
    std::shared_ptr<const jwt_key_set> keys_;
    std::function<void()> on_unknown_key_;
};

}  // namespace rig::auth
