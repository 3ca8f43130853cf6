#include "subscription/scalar.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstdint>

namespace {

namespace json = boost::json;
using rig::subscription::scalar;

scalar make(std::string_view json_text) {
    auto s = scalar::from_json(json::parse(json_text));
    EXPECT_TRUE(s.has_value()) << json_text;
    return s.value_or(*scalar::from_json(json::value("<not a scalar>")));
}

TEST(Scalar, StringsNumbersAndBooleansAreScalars) {
    EXPECT_TRUE(scalar::from_json(json::value("x")).has_value());
    EXPECT_TRUE(scalar::from_json(json::value("")).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(1)).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(-1)).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(1.5)).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(UINT64_MAX)).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(true)).has_value());
    EXPECT_TRUE(scalar::from_json(json::value(false)).has_value());
}

TEST(Scalar, NullObjectAndArrayAreNotScalars) {
    EXPECT_FALSE(scalar::from_json(json::value(nullptr)).has_value());
    EXPECT_FALSE(scalar::from_json(json::parse("{}")).has_value());
    EXPECT_FALSE(scalar::from_json(json::parse(R"({"a":1})")).has_value());
    EXPECT_FALSE(scalar::from_json(json::parse("[]")).has_value());
    EXPECT_FALSE(scalar::from_json(json::parse("[1]")).has_value());
}

TEST(Scalar, IntegerEqualsFloatOfSameValue) {
    EXPECT_EQ(make("1"), make("1.0"));
    EXPECT_EQ(make("1.0"), make("1"));
    EXPECT_EQ(make("-30"), make("-30.0"));
    EXPECT_EQ(make("0"), make("0.0"));
    EXPECT_EQ(make("0"), make("-0.0"));
    EXPECT_EQ(make("1e2"), make("100"));
    EXPECT_NE(make("1"), make("1.5"));
}

TEST(Scalar, UnsignedAndSignedIntegersCompareByValue) {
    EXPECT_EQ(*scalar::from_json(json::value(uint64_t{5})), *scalar::from_json(json::value(5)));
    EXPECT_EQ(*scalar::from_json(json::value(uint64_t{5})), *scalar::from_json(json::value(5.0)));
    EXPECT_NE(*scalar::from_json(json::value(uint64_t{5})), *scalar::from_json(json::value(6)));
    EXPECT_EQ(*scalar::from_json(json::value(UINT64_MAX)),
              *scalar::from_json(json::value(UINT64_MAX)));
}

TEST(Scalar, NumbersCompareByValue) {
    EXPECT_EQ(make("30"), make("30"));
    EXPECT_NE(make("30"), make("31"));
    EXPECT_EQ(make("2.5"), make("2.5"));
    EXPECT_NE(make("2.5"), make("2.25"));
}

TEST(Scalar, StringsCompareExactly) {
    EXPECT_EQ(make(R"("alice")"), make(R"("alice")"));
    EXPECT_NE(make(R"("alice")"), make(R"("Alice")"));
    EXPECT_NE(make(R"("alice")"), make(R"("alice ")"));
    EXPECT_EQ(make(R"("")"), make(R"("")"));
}

TEST(Scalar, StringNeverEqualsNumber) {
    EXPECT_NE(make(R"("30")"), make("30"));
    EXPECT_NE(make("30"), make(R"("30")"));
    EXPECT_NE(make(R"("1.0")"), make("1"));
}

TEST(Scalar, BooleanNeverEqualsNumberOrString) {
    EXPECT_NE(make("true"), make("1"));
    EXPECT_NE(make("1"), make("true"));
    EXPECT_NE(make("false"), make("0"));
    EXPECT_NE(make("true"), make(R"("true")"));
    EXPECT_NE(make("1.0"), make("true"));
}

TEST(Scalar, BooleansCompareByValue) {
    EXPECT_EQ(make("true"), make("true"));
    EXPECT_EQ(make("false"), make("false"));
    EXPECT_NE(make("true"), make("false"));
}

}  // namespace
