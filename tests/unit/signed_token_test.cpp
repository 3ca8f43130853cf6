#include "core/signed_token.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"

namespace {

using rig::core::signed_token_codec;

TEST(SignedToken, OpenReturnsTheSealedBody) {
    const signed_token_codec codec("salt:", "key");
    const std::string token = codec.seal("hello, body");
    EXPECT_EQ(codec.open(token, 11), "hello, body");
    const auto raw = rig::core::base64url_decode(token);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 11 + signed_token_codec::tag_size);
}

TEST(SignedToken, WrongSizeOrAlteredBodyIsRefused) {
    const signed_token_codec codec("salt:", "key");
    const std::string token = codec.seal("0123456789");
    EXPECT_FALSE(codec.open(token, 9));
    EXPECT_FALSE(codec.open(token, 11));
    auto raw = *rig::core::base64url_decode(token);
    raw[3] ^= 1;
    EXPECT_FALSE(codec.open(rig::core::base64url_encode(raw), 10));
}

TEST(SignedToken, SaltSeparatesKindsUnderOneKey) {
    const signed_token_codec a("kind a:", "cookie");
    const signed_token_codec b("kind b:", "cookie");
    EXPECT_FALSE(b.open(a.seal("same body"), 9));
    EXPECT_TRUE(a.open(a.seal("same body"), 9));
}

}  // namespace
