#include "core/signed_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "core/base64url.hpp"

namespace rig::core {
namespace {

// SHA-256, fetched once: OpenSSL 3's one-shot HMAC() looks the algorithm up on every call,
// which cost a measurable share of setting up a connection.
const EVP_MD* sha256() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

}  // namespace

signed_token_codec::signed_token_codec(std::string_view salt, std::string_view key_material) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> key{};
    std::string salted(salt);
    salted += key_material;
    SHA256(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(), key.data());
    // HMAC (RFC 2104) with the key's inner and outer pads prepared once.
    inner_pad_.fill(0x36);
    outer_pad_.fill(0x5c);
    for (std::size_t i = 0; i < key.size(); ++i) {
        inner_pad_[i] ^= key[i];
        outer_pad_[i] ^= key[i];
    }
}

std::array<unsigned char, 32> signed_token_codec::mac(std::string_view data) const {
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

std::string signed_token_codec::seal(std::string_view body) const {
    std::string raw;
    raw.reserve(body.size() + tag_size);
    raw.append(body);
    const auto tag = mac(body);
    raw.append(reinterpret_cast<const char*>(tag.data()), tag_size);
    return base64url_encode(raw);
}

std::optional<std::string> signed_token_codec::open(std::string_view token,
                                                    std::size_t body_size) const {
    // Refuse oversized input before decoding it: base64 takes 4 characters per 3 bytes, plus
    // up to two padding characters.
    if (token.size() > (body_size + tag_size + 2) / 3 * 4 + 2) {
        return std::nullopt;
    }
    auto raw = base64url_decode(token);
    if (!raw || raw->size() != body_size + tag_size) {
        return std::nullopt;
    }
    const auto tag = mac(std::string_view(*raw).substr(0, body_size));
    if (CRYPTO_memcmp(tag.data(), raw->data() + body_size, tag_size) != 0) {
        return std::nullopt;
    }
    raw->resize(body_size);
    return raw;
}

}  // namespace rig::core
