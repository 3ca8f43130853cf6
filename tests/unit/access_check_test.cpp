#include "checks/access_check.hpp"

#include <gtest/gtest.h>

namespace {

using rig::checks::parse_authorization;

TEST(ParseAuthorization, SplitsAtCommasAndFirstSpaceLowercasingTheScheme) {
    const auto c = parse_authorization({"Bearer abc, BEARER def", "Basic xyz"});
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].scheme, "bearer");
    EXPECT_EQ(c[0].token, "abc");
    EXPECT_EQ(c[1].scheme, "bearer");
    EXPECT_EQ(c[1].token, "def");
    EXPECT_EQ(c[2].scheme, "basic");
    EXPECT_EQ(c[2].token, "xyz");
}

TEST(ParseAuthorization, APartWithoutSchemeIsABearerToken) {
    const auto c = parse_authorization({"eyJ.token.sig"});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].scheme, "bearer");
    EXPECT_EQ(c[0].token, "eyJ.token.sig");
}

TEST(ParseAuthorization, EmptyPartsAreSkipped) {
    EXPECT_TRUE(parse_authorization({"", " , ,"}).empty());
    EXPECT_TRUE(parse_authorization({}).empty());
}

}  // namespace
