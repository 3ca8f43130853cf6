#include "transport/connection_token.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "core/base64url.hpp"

namespace {

using rig::transport::connection_address;
using rig::transport::token_codec;
using verdict = token_codec::verdict;

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void expect_same(const connection_address& a, const connection_address& b) {
    EXPECT_EQ(a.instance, b.instance);
    EXPECT_EQ(a.shard, b.shard);
    EXPECT_EQ(a.slot, b.slot);
    EXPECT_EQ(a.generation, b.generation);
}

// The tag is standard HMAC-SHA256 (truncated to 128 bits) under SHA-256 of the salted key
// material: checked against OpenSSL's one-shot HMAC().
TEST(ConnectionToken, TagIsHmacSha256) {
    const token_codec codec("magiccookie", 7);
    const auto raw = rig::core::base64url_decode(codec.encode({7, 3, 12345, 99}));
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), 15U + 16U);
    const std::string salted = "rig connection token v1:magiccookie";
    unsigned char key[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(), key);
    unsigned char tag[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(raw->data()), 15,
         tag, &len);
    EXPECT_EQ(raw->substr(15), std::string(reinterpret_cast<const char*>(tag), 16));
}

TEST(ConnectionToken, RoundTrip) {
    const token_codec codec("magiccookie", 7);
    EXPECT_EQ(codec.instance(), 7u);
    const connection_address addr{7, 3, 12345, 99};
    const std::string token = codec.encode(addr);
    connection_address out;
    ASSERT_EQ(codec.decode(token, out), verdict::ok);
    expect_same(out, addr);
}

TEST(ConnectionToken, RoundTripExtremeValues) {
    const uint32_t max32 = std::numeric_limits<uint32_t>::max();
    const token_codec codec("k", max32);
    for (const connection_address addr :
         {connection_address{max32, 0, 0, 0},
          connection_address{max32, std::numeric_limits<uint16_t>::max(), max32, max32},
          connection_address{max32, 1, 0x01020304, 0x80000000}}) {
        connection_address out;
        ASSERT_EQ(codec.decode(codec.encode(addr), out), verdict::ok);
        expect_same(out, addr);
    }
}

TEST(ConnectionToken, RoundTripForVariousKeys) {
    // Spec §13.10 scenario 67: keys of any length, including empty.
    for (const std::string& key :
         {std::string("magiccookie"), std::string(), std::string("a"), std::string(90, 'k'),
          std::string("0"), std::string("-123"), std::string("123456789012345678901234567890")}) {
        const token_codec codec(key, 1);
        const connection_address addr{1, 2, 3, 4};
        connection_address out;
        ASSERT_EQ(codec.decode(codec.encode(addr), out), verdict::ok) << key;
        expect_same(out, addr);
    }
}

TEST(ConnectionToken, EncodingIsDeterministicAndDistinct) {
    const token_codec codec("key", 1);
    EXPECT_EQ(codec.encode({1, 2, 3, 4}), codec.encode({1, 2, 3, 4}));
    EXPECT_NE(codec.encode({1, 2, 3, 4}), codec.encode({1, 2, 3, 5}));
    EXPECT_NE(codec.encode({1, 2, 3, 4}), codec.encode({1, 2, 4, 4}));
    EXPECT_NE(codec.encode({1, 2, 3, 4}), codec.encode({1, 3, 3, 4}));
}

TEST(ConnectionToken, TokensAreUrlSafe) {
    // Spec §13.10 scenario 66: none of '#', '/', '?'; ours use only the base64url alphabet.
    const token_codec codec("key", 42);
    std::mt19937 rng(7);
    std::uniform_int_distribution<uint32_t> u32;
    for (int i = 0; i < 500; ++i) {
        const connection_address addr{42, static_cast<uint16_t>(u32(rng)), u32(rng), u32(rng)};
        const std::string token = codec.encode(addr);
        ASSERT_FALSE(token.empty());
        EXPECT_EQ(token.find_first_not_of(alphabet), std::string::npos) << token;
        EXPECT_LE(token.size(), 64u);
    }
}

TEST(ConnectionToken, TamperedByteIsMalformed) {
    const token_codec codec("key", 5);
    const std::string token = codec.encode({5, 1, 77, 3});
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (const char replacement : {'A', 'z', '-', '_', '0'}) {
            if (token[i] == replacement) {
                continue;
            }
            std::string bad = token;
            bad[i] = replacement;
            connection_address out;
            EXPECT_EQ(codec.decode(bad, out), verdict::malformed) << "position " << i;
        }
    }
}

TEST(ConnectionToken, OtherKeyIsMalformed) {
    const token_codec mine("key one", 5);
    const token_codec theirs("key two", 5);
    connection_address out;
    EXPECT_EQ(mine.decode(theirs.encode({5, 1, 2, 3}), out), verdict::malformed);
    EXPECT_EQ(theirs.decode(mine.encode({5, 1, 2, 3}), out), verdict::malformed);
}

TEST(ConnectionToken, SameKeyOtherInstanceIsStale) {
    const token_codec before_restart("key", 1);
    const token_codec after_restart("key", 2);
    const connection_address addr{1, 4, 5, 6};
    connection_address out;
    EXPECT_EQ(after_restart.decode(before_restart.encode(addr), out), verdict::stale);
    expect_same(out, addr);
}

TEST(ConnectionToken, GarbageIsMalformed) {
    const token_codec codec("key", 1);
    const std::string good = codec.encode({1, 2, 3, 4});
    connection_address out;
    for (const std::string& bad :
         {std::string(), std::string("garbage"), std::string("!!!!"), std::string("abc/def"),
          std::string("a#b?c"), good.substr(0, good.size() - 1), good.substr(1), good + "A",
          good + "AAAA", std::string(good.size(), 'A'), std::string(" ") + good,
          std::string("eyJhbGciOiJIUzI1NiJ9")}) {
        EXPECT_EQ(codec.decode(bad, out), verdict::malformed) << bad;
    }
}

TEST(ConnectionToken, TooLongIsMalformed) {
    const token_codec codec("key", 1);
    connection_address out;
    EXPECT_EQ(codec.decode(std::string(65, 'A'), out), verdict::malformed);
    EXPECT_EQ(codec.decode(std::string(100000, 'A'), out), verdict::malformed);
    const std::string good = codec.encode({1, 2, 3, 4});
    EXPECT_EQ(codec.decode(good + std::string(64, 'A'), out), verdict::malformed);
}

}  // namespace

TEST(ConnectionToken, FingerprintDependsOnTheKeyOnly) {
    const rig::transport::token_codec a("cookie", 1);
    const rig::transport::token_codec b("cookie", 2);
    const rig::transport::token_codec c("other", 1);
    EXPECT_EQ(a.fingerprint(), b.fingerprint());
    EXPECT_NE(a.fingerprint(), c.fingerprint());
    EXPECT_EQ(a.fingerprint().size(), 16U);
    EXPECT_EQ(a.fingerprint().find("cookie"), std::string::npos);
}
