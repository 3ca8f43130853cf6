#include "admin/blacklist_request.hpp"

#include <gtest/gtest.h>

namespace {

using rig::admin::parse_blacklist_request;
using rig::core::condition;

constexpr std::string_view json_type = "application/json";

std::string error_of(std::string_view ct, std::string_view body) {
    auto r = parse_blacklist_request(ct, body);
    EXPECT_FALSE(r.has_value()) << body;
    return r ? std::string() : r.error().message;
}

TEST(BlacklistRequest, AcceptsJsonWithNumberOrDigitString) {
    auto r = parse_blacklist_request(json_type, R"({"sessionId":"s1","validityInSeconds":60})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->session_id, "s1");
    EXPECT_EQ(r->validity_seconds, 60u);
    r = parse_blacklist_request("application/json; charset=utf-8",
                                R"({"sessionId":"s2","validityInSeconds":"123"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->validity_seconds, 123u);
}

TEST(BlacklistRequest, AcceptsFormEncoding) {
    auto r = parse_blacklist_request("application/x-www-form-urlencoded",
                                     "sessionId=abc%20d&validityInSeconds=5");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->session_id, "abc d");
    EXPECT_EQ(r->validity_seconds, 5u);
}

TEST(BlacklistRequest, RigsValidationMessages) {
    EXPECT_EQ(error_of(json_type, R"({"validityInSeconds":60})"),
              "Missing value for \"sessionId\"");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"","validityInSeconds":60})"),
              "Expected non-empty string, got \"\"");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":5,"validityInSeconds":60})"),
              "Expected non-empty string, got 5");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"s"})"),
              "Missing value for \"validityInSeconds\"");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"s","validityInSeconds":"abc"})"),
              "Expected a number, got \"abc\"");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"s","validityInSeconds":0})"),
              "Expected a positive number, got 0");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"s","validityInSeconds":"0"})"),
              "Expected a positive number, got 0");
    EXPECT_EQ(error_of(json_type, R"({"sessionId":"s","validityInSeconds":-5})"),
              "Expected a positive number, got -5");
}

TEST(BlacklistRequest, OtherContentTypesAreUnsupported) {
    auto r = parse_blacklist_request("text/plain", "sessionId=s");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().cond, condition::unsupported_media_type);
    r = parse_blacklist_request(json_type, "not json");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().cond, condition::bad_request);
}

}  // namespace
