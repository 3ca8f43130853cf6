#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/signed_token.hpp"

namespace rig::transport {

// Where a connection lives: which process instance, which shard, which registry slot, and
// which use of that slot (so a token of a closed connection never reaches a newer one).
struct connection_address {
    uint32_t instance = 0;
    uint16_t shard = 0;
    uint32_t slot = 0;
    uint32_t generation = 0;
};

// Connection tokens: the address plus an HMAC-SHA256 tag (truncated to 128 bits), base64url
// without padding. Opaque and URL-safe; a token cannot be forged or altered without the key.
//
// @par Thread safety
// Immutable; use from any thread.
class token_codec {
public:
    // `key_material` is hashed into the HMAC key; `instance` identifies this process run.
    token_codec(std::string_view key_material, uint32_t instance);

    std::string encode(const connection_address& a) const;

    enum class verdict {
        ok,         // authentic, issued by this process
        malformed,  // not a token, or the tag does not verify
        stale,      // authentic but issued by another run of the node (a closed connection)
    };
    verdict decode(std::string_view token, connection_address& out) const;

    uint32_t instance() const { return instance_; }
    // A short digest of the key that reveals nothing of it: nodes compare theirs to know
    // whether they can read each other's tokens.
    std::string fingerprint() const;

private:
    core::signed_token_codec signer_;
    uint32_t instance_;
};

}  // namespace rig::transport
