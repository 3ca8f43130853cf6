#include "transport/connection_token.hpp"

#include "core/big_endian.hpp"

namespace rig::transport {
namespace {

// The first body byte; also what tells a connection token from other signed tokens (a
// correlation id starts with another byte, and is signed under another salt).
constexpr uint8_t format_version = 1;
constexpr std::size_t body_size = 1 + 4 + 2 + 4 + 4;

}  // namespace

token_codec::token_codec(std::string_view key_material, uint32_t instance)
    : signer_("rig connection token v1:", key_material), instance_(instance) {}

std::string token_codec::encode(const connection_address& a) const {
    std::string body;
    body.reserve(body_size);
    core::put_big_endian(body, format_version, 1);
    core::put_big_endian(body, a.instance, 4);
    core::put_big_endian(body, a.shard, 2);
    core::put_big_endian(body, a.slot, 4);
    core::put_big_endian(body, a.generation, 4);
    return signer_.seal(body);
}

std::string token_codec::fingerprint() const {
    const auto tag = signer_.mac("rig cluster cookie fingerprint");
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 8; ++i) {
        out += hex[tag[i] >> 4];
        out += hex[tag[i] & 0xf];
    }
    return out;
}

token_codec::verdict token_codec::decode(std::string_view token, connection_address& out) const {
    if (token.size() > 64) {
        return verdict::malformed;
    }
    const auto body = signer_.open(token, body_size);
    if (!body || static_cast<uint8_t>((*body)[0]) != format_version) {
        return verdict::malformed;
    }
    out.instance = static_cast<uint32_t>(core::get_big_endian(*body, 1, 4));
    out.shard = static_cast<uint16_t>(core::get_big_endian(*body, 5, 2));
    out.slot = static_cast<uint32_t>(core::get_big_endian(*body, 7, 4));
    out.generation = static_cast<uint32_t>(core::get_big_endian(*body, 11, 4));
    return out.instance == instance_ ? verdict::ok : verdict::stale;
}

}  // namespace rig::transport
