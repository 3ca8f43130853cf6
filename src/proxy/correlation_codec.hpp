#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/signed_token.hpp"

namespace rig::proxy {

// Which request waits for an asynchronous response: the node's process instance, the shard
// the request lives on, and the waiter's id there (never reused within a run).
struct correlation_address {
    uint32_t instance = 0;
    uint16_t shard = 0;
    uint64_t waiter = 0;
};

// Correlation ids (spec §8.7): the address, signed like connection tokens (HMAC-SHA256, key
// from the node cookie, base64url) but under a salt and a first byte of their own, so a
// connection token is never accepted as a correlation id nor the other way round. Opaque and
// URL-safe (sent as a query parameter); a backend cannot forge or alter one to reach another
// user's request.
//
// @par Thread safety
// Immutable; use from any thread.
class correlation_codec {
public:
    // `key_material`: NODE_COOKIE, as for the connection tokens.
    explicit correlation_codec(std::string_view key_material);

    std::string encode(const correlation_address& a) const;

    // The address, whatever instance it names, if `id` is an authentic correlation id.
    std::optional<correlation_address> decode(std::string_view id) const;

private:
    core::signed_token_codec signer_;
};

}  // namespace rig::proxy
