#include "auth/token_validator.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/serialize.hpp>
#include <chrono>

#include "core/base64url.hpp"

namespace {

using rig::auth::jwt_options;
using rig::auth::jwt_verifier;
using rig::auth::session_blacklist;
using rig::auth::token_validator;
using rig::core::base64url_encode;
namespace json = boost::json;

std::string hs256(const json::object& claims, const std::string& secret = "mysecret") {
    const std::string input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                              base64url_encode(json::serialize(claims));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

int64_t in_an_hour() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           3600;
}

class TokenValidator : public ::testing::Test {
protected:
    session_blacklist blacklist;
    std::shared_ptr<const jwt_verifier> verifier =
        jwt_verifier::create(jwt_options{"HS256", "mysecret", {}}).value();
};

TEST_F(TokenValidator, RefusesBlacklistedJti) {
    token_validator v(verifier, &blacklist, "/jti");
    const auto t = hs256({{"jti", "s1"}, {"exp", in_an_hour()}});
    EXPECT_TRUE(v.validate(t).has_value());
    blacklist.add("s1", std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto r = v.validate(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "Ignoring blacklisted JWT with ID \"s1\".");
}

TEST_F(TokenValidator, RefusesABlacklistedSessionFieldToo) {
    token_validator v(verifier, &blacklist, "/sid");
    const auto t = hs256({{"jti", "j"}, {"sid", "session-7"}, {"exp", in_an_hour()}});
    blacklist.add("session-7", std::chrono::system_clock::now() + std::chrono::seconds(60));
    EXPECT_FALSE(v.validate(t).has_value());
}

TEST_F(TokenValidator, SessionOfReadsThePointer) {
    token_validator v(verifier, &blacklist, "/user/session");
    EXPECT_EQ(v.session_of(json::object{{"user", json::object{{"session", "abc"}}}}), "abc");
    EXPECT_EQ(v.session_of(json::object{{"user", json::object{{"session", 42}}}}), "42");
    EXPECT_FALSE(v.session_of(json::object{{"user", "x"}}).has_value());
    EXPECT_FALSE(v.session_of(json::object{}).has_value());
}

TEST_F(TokenValidator, UnconfiguredRefusesEverything) {
    token_validator v;
    EXPECT_FALSE(v.configured());
    EXPECT_FALSE(v.validate(hs256({{"exp", in_an_hour()}})).has_value());
}

}  // namespace
