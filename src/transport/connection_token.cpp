#include "transport/connection_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>

#include "core/base64url.hpp"

namespace rig::transport {
namespace {

constexpr uint8_t format_version = 1;
constexpr std::size_t body_size = 1 + 4 + 2 + 4 + 4;
constexpr std::size_t tag_size = 16;

void put(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        out += static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

uint64_t get(std::string_view in, std::size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
        v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<std::size_t>(i)]);
    }
    return v;
}

std::array<unsigned char, EVP_MAX_MD_SIZE> mac(const std::string& key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
    return out;
}

}  // namespace

token_codec::token_codec(std::string_view key_material, uint32_t instance) : instance_(instance) {
    key_.resize(SHA256_DIGEST_LENGTH);
    const std::string salted = "rig connection token v1:" + std::string(key_material);
    SHA256(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(),
           reinterpret_cast<unsigned char*>(key_.data()));
}

std::string token_codec::encode(const connection_address& a) const {
    std::string raw;
    raw.reserve(body_size + tag_size);
    put(raw, format_version, 1);
    put(raw, a.instance, 4);
    put(raw, a.shard, 2);
    put(raw, a.slot, 4);
    put(raw, a.generation, 4);
    const auto tag = mac(key_, raw);
    raw.append(reinterpret_cast<const char*>(tag.data()), tag_size);
    return core::base64url_encode(raw);
}

token_codec::verdict token_codec::decode(std::string_view token, connection_address& out) const {
    if (token.size() > 64) {
        return verdict::malformed;
    }
    const auto raw = core::base64url_decode(token);
    if (!raw || raw->size() != body_size + tag_size ||
        static_cast<uint8_t>((*raw)[0]) != format_version) {
        return verdict::malformed;
    }
    const std::string_view body = std::string_view(*raw).substr(0, body_size);
    const auto tag = mac(key_, body);
    if (CRYPTO_memcmp(tag.data(), raw->data() + body_size, tag_size) != 0) {
        return verdict::malformed;
    }
    out.instance = static_cast<uint32_t>(get(*raw, 1, 4));
    out.shard = static_cast<uint16_t>(get(*raw, 5, 2));
    out.slot = static_cast<uint32_t>(get(*raw, 7, 4));
    out.generation = static_cast<uint32_t>(get(*raw, 11, 4));
    return out.instance == instance_ ? verdict::ok : verdict::stale;
}

}  // namespace rig::transport
