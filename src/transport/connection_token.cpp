#include "transport/connection_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <memory>

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

// SHA-256, fetched once: OpenSSL 3's one-shot HMAC() looks the algorithm up on every call,
// which cost a measurable share of setting up a connection.
const EVP_MD* sha256() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

}  // namespace

token_codec::token_codec(std::string_view key_material, uint32_t instance) : instance_(instance) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> key{};
    const std::string salted = "rig connection token v1:" + std::string(key_material);
    SHA256(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(), key.data());
    // HMAC (RFC 2104) with the key's inner and outer pads prepared once.
    inner_pad_.fill(0x36);
    outer_pad_.fill(0x5c);
    for (std::size_t i = 0; i < key.size(); ++i) {
        inner_pad_[i] ^= key[i];
        outer_pad_[i] ^= key[i];
    }
}

std::array<unsigned char, 32> token_codec::mac(std::string_view data) const {
    // One digest context per thread, freed when the thread ends.
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> owned(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_MD_CTX* ctx = owned.get();
    std::array<unsigned char, 32> inner{};
    std::array<unsigned char, 32> out{};
    EVP_DigestInit_ex2(ctx, sha256(), nullptr);
    EVP_DigestUpdate(ctx, inner_pad_.data(), inner_pad_.size());
    EVP_DigestUpdate(ctx, data.data(), data.size());
    EVP_DigestFinal_ex(ctx, inner.data(), nullptr);
    EVP_DigestInit_ex2(ctx, sha256(), nullptr);
    EVP_DigestUpdate(ctx, outer_pad_.data(), outer_pad_.size());
    EVP_DigestUpdate(ctx, inner.data(), inner.size());
    EVP_DigestFinal_ex(ctx, out.data(), nullptr);
    return out;
}

std::string token_codec::encode(const connection_address& a) const {
    std::string raw;
    raw.reserve(body_size + tag_size);
    put(raw, format_version, 1);
    put(raw, a.instance, 4);
    put(raw, a.shard, 2);
    put(raw, a.slot, 4);
    put(raw, a.generation, 4);
    const auto tag = mac(raw);
    raw.append(reinterpret_cast<const char*>(tag.data()), tag_size);
    return core::base64url_encode(raw);
}

std::string token_codec::fingerprint() const {
    const auto tag = mac("rig cluster cookie fingerprint");
    static constexpr char hex[] = "0123456789abcdef";
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
    const auto raw = core::base64url_decode(token);
    if (!raw || raw->size() != body_size + tag_size ||
        static_cast<uint8_t>((*raw)[0]) != format_version) {
        return verdict::malformed;
    }
    const std::string_view body = std::string_view(*raw).substr(0, body_size);
    const auto tag = mac(body);
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
