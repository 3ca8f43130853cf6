#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rig::core {

// Authenticated, URL-safe tokens: a fixed-size body followed by its HMAC-SHA256 tag truncated
// to 128 bits, in base64url without padding. The body is not secret, only unforgeable. The
// kinds of token built on this (connection tokens, correlation ids) each pass their own salt,
// so a token of one kind never verifies as another even when both share the node cookie.
//
// @par Thread safety
// Immutable after construction; use from any thread.
class signed_token_codec {
public:
    static constexpr std::size_t tag_size = 16;

    // The HMAC key is SHA-256(salt ‖ key_material).
    signed_token_codec(std::string_view salt, std::string_view key_material);

    // base64url(body ‖ tag).
    std::string seal(std::string_view body) const;

    // The body, if `token` is base64url of exactly `body_size` bytes plus a tag that verifies;
    // nothing for anything else (wrong length, bad alphabet, altered byte, other key).
    std::optional<std::string> open(std::string_view token, std::size_t body_size) const;

    // HMAC-SHA256 of `data` under the codec's key.
    std::array<unsigned char, 32> mac(std::string_view data) const;

private:
    std::array<unsigned char, 64> inner_pad_{};  // key XOR 0x36, the SHA-256 block size
    std::array<unsigned char, 64> outer_pad_{};  // key XOR 0x5c
};

}  // namespace rig::core
