#include "core/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rig::core::base64_encode;
using rig::core::base64url_decode;
using rig::core::base64url_encode;

TEST(Base64url, EncodesRfc4648VectorsWithoutPadding) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64url, UsesUrlSafeAlphabet) {
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_encode("\xff\xff\xff"), "____");
    EXPECT_EQ(base64url_encode(std::string("\xf8\x00\x00", 3)), "-AAA");
}

TEST(Base64url, DecodesRfc4648Vectors) {
    EXPECT_EQ(base64url_decode(""), std::string());
    EXPECT_EQ(base64url_decode("Zg"), "f");
    EXPECT_EQ(base64url_decode("Zm8"), "fo");
    EXPECT_EQ(base64url_decode("Zm9v"), "foo");
    EXPECT_EQ(base64url_decode("Zm9vYg"), "foob");
    EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
    EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64url, AcceptsPadding) {
    EXPECT_EQ(base64url_decode("Zg=="), "f");
    EXPECT_EQ(base64url_decode("Zm8="), "fo");
    EXPECT_EQ(base64url_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(base64url_decode("-_8="), "\xfb\xff");
}

TEST(Base64url, RoundTripsEveryByteValueAndLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    for (std::size_t len = 0; len <= all.size(); ++len) {
        const std::string bytes = all.substr(all.size() - len);
        const std::string encoded = base64url_encode(bytes);
        EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
        const auto decoded = base64url_decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, bytes);
    }
}

TEST(Base64url, RejectsCharactersOutsideAlphabet) {
    EXPECT_FALSE(base64url_decode("Zm9v+g").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v/g").has_value());
    EXPECT_FALSE(base64url_decode("Zm 9v").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v\n").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v.").has_value());
    EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)).has_value());
    EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9").has_value());
}

TEST(Base64url, RejectsWrongAmountOfPadding) {
    EXPECT_FALSE(base64url_decode("Zm9v====").has_value());
    EXPECT_FALSE(base64url_decode("Zg=").has_value());
    EXPECT_FALSE(base64url_decode("Zm8==").has_value());
    EXPECT_FALSE(base64url_decode("Zg===").has_value());
}

TEST(Base64url, RejectsPaddingInTheMiddle) {
    EXPECT_FALSE(base64url_decode("Zg==Zm8").has_value());
    EXPECT_FALSE(base64url_decode("Z=g").has_value());
}

TEST(Base64url, RejectsImpossibleLength) {
    EXPECT_FALSE(base64url_decode("Z").has_value());
    EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
    EXPECT_FALSE(base64url_decode("Zm9vY===").has_value());
}

TEST(Base64url, RejectsNonZeroTrailingBits) {
    // "Zg" is the only encoding of "f"; "Zh".."Zv" carry bits beyond the last byte.
    EXPECT_FALSE(base64url_decode("Zh").has_value());
    EXPECT_FALSE(base64url_decode("Zv").has_value());
    EXPECT_FALSE(base64url_decode("Zh==").has_value());
    // "Zm8" is the only encoding of "fo"; "Zm9" sets a trailing bit.
    EXPECT_FALSE(base64url_decode("Zm9").has_value());
    EXPECT_FALSE(base64url_decode("Zm9=").has_value());
}

TEST(Base64, EncodesWithStandardAlphabetAndPadding) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
    EXPECT_EQ(base64_encode("\xff\xff\xff"), "////");
}

}  // namespace
