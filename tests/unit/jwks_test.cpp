// The JWKS path of the JWT verifier: keys parsed from a JWK Set, chosen by "kid".
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <string>

#include "auth/jwt_verifier.hpp"
#include "core/base64url.hpp"
#include "support/openssl_keys.hpp"

namespace {

using rig::auth::jwt_verifier;
using rig::auth::parse_jwks;
using rig::core::base64url_encode;
using namespace rig::test;
namespace json = boost::json;

const std::chrono::system_clock::time_point now{std::chrono::seconds{1'700'000'000}};
constexpr std::string_view token_claims = R"({"sub":"alice","exp":1700003600})";

std::string bn_b64(EVP_PKEY* key, const char* param, int pad = 0) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, param, &bn), 1);
    std::string out(
        pad > 0 ? static_cast<std::size_t>(pad) : static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return base64url_encode(out);
}

json::object rsa_jwk(EVP_PKEY* key, std::string kid) {
    return {{"kty", "RSA"},
            {"kid", kid},
            {"use", "sig"},
            {"n", bn_b64(key, OSSL_PKEY_PARAM_RSA_N)},
            {"e", bn_b64(key, OSSL_PKEY_PARAM_RSA_E)}};
}

json::object ec_jwk(EVP_PKEY* key, std::string kid) {
    return {{"kty", "EC"},
            {"kid", kid},
            {"crv", "P-256"},
            {"x", bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)},
            {"y", bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
}

json::object ed_jwk(EVP_PKEY* key, std::string kid) {
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len),
              1);
    return {{"kty", "OKP"}, {"kid", kid}, {"crv", "Ed25519"}, {"x", base64url_encode(raw)}};
}

std::string token(EVP_PKEY* key, std::string_view alg, const EVP_MD* md, std::string_view kid,
                  int ec_bytes = 0) {
    json::object head{{"alg", alg}, {"typ", "JWT"}};
    if (!kid.empty()) {
        head["kid"] = kid;
    }
    const std::string input =
        base64url_encode(json::serialize(head)) + "." + base64url_encode(std::string(token_claims));
    std::string sig = evp_sign(key, md, input);
    if (ec_bytes > 0) {
        sig = der_to_jose(sig, ec_bytes);
    }
    return input + "." + base64url_encode(sig);
}

std::shared_ptr<jwt_verifier> verifier_with(std::string alg, const json::array& keys) {
    auto v = jwt_verifier::create_for_key_set(alg, std::chrono::seconds(0)).value();
    json::object set{{"keys", keys}};
    auto parsed = parse_jwks(json::serialize(set));
    EXPECT_TRUE(parsed.has_value());
    v->set_keys(std::make_shared<const rig::auth::jwt_key_set>(std::move(*parsed)));
    return v;
}

TEST(Jwks, VerifiesWithTheKeyNamedByKid) {
    pkey_ptr k1(EVP_RSA_gen(2048));
    pkey_ptr k2(EVP_RSA_gen(2048));
    auto v = verifier_with("RS256", {rsa_jwk(k1.get(), "k1"), rsa_jwk(k2.get(), "k2")});
    EXPECT_TRUE(v->verify(token(k1.get(), "RS256", EVP_sha256(), "k1"), now).has_value());
    EXPECT_TRUE(v->verify(token(k2.get(), "RS256", EVP_sha256(), "k2"), now).has_value());
    // Signed by k2 but naming k1: the signature does not verify.
    EXPECT_FALSE(v->verify(token(k2.get(), "RS256", EVP_sha256(), "k1"), now).has_value());
}

TEST(Jwks, UnknownKidIsRefusedAndReported) {
    pkey_ptr k1(EVP_RSA_gen(2048));
    auto v = verifier_with("RS256", {rsa_jwk(k1.get(), "k1")});
    int asked = 0;
    v->on_unknown_key([&] { ++asked; });
    auto r = v->verify(token(k1.get(), "RS256", EVP_sha256(), "k9"), now);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("unknown key id"), std::string::npos);
    EXPECT_EQ(asked, 1);
}

TEST(Jwks, ASingleKeyServesTokensWithoutKid) {
    pkey_ptr k1(EVP_RSA_gen(2048));
    auto v = verifier_with("RS256", {rsa_jwk(k1.get(), "only")});
    EXPECT_TRUE(v->verify(token(k1.get(), "RS256", EVP_sha256(), ""), now).has_value());
}

TEST(Jwks, EcAndEd25519Keys) {
    pkey_ptr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    pkey_ptr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    auto ves = verifier_with("ES256", {ec_jwk(ec.get(), "e")});
    EXPECT_TRUE(ves->verify(token(ec.get(), "ES256", EVP_sha256(), "e", 32), now).has_value());
    auto ved = verifier_with("EdDSA", {ed_jwk(ed.get(), "d")});
    EXPECT_TRUE(ved->verify(token(ed.get(), "EdDSA", nullptr, "d"), now).has_value());
}

TEST(Jwks, EcCoordinatesWithoutLeadingZeroBytesAreAccepted) {
    // A key whose x coordinate starts with a zero byte (1 in 256), written as some producers
    // do: without it.
    pkey_ptr ec;
    for (int i = 0; i < 20'000 && !ec; ++i) {
        pkey_ptr candidate(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        BIGNUM* x = nullptr;
        ASSERT_EQ(EVP_PKEY_get_bn_param(candidate.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
        if (BN_num_bytes(x) < 32) {
            ec = std::move(candidate);
        }
        BN_free(x);
    }
    ASSERT_TRUE(ec);
    auto jwk = ec_jwk(ec.get(), "e");
    jwk["x"] = bn_b64(ec.get(), OSSL_PKEY_PARAM_EC_PUB_X);  // minimal length
    ASSERT_LT(rig::core::base64url_decode(jwk["x"].as_string()).value().size(), 32u);
    auto v = verifier_with("ES256", {jwk});
    EXPECT_TRUE(v->verify(token(ec.get(), "ES256", EVP_sha256(), "e", 32), now).has_value());
}

TEST(Jwks, EcCoordinatesLongerThanTheCurveAreRefused) {
    pkey_ptr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    auto jwk = ec_jwk(ec.get(), "e");
    jwk["x"] = bn_b64(ec.get(), OSSL_PKEY_PARAM_EC_PUB_X, 33);
    auto v = verifier_with("ES256", {jwk});
    EXPECT_FALSE(v->verify(token(ec.get(), "ES256", EVP_sha256(), "e", 32), now).has_value());
}

TEST(Jwks, AKeyOfTheWrongTypeForTheAlgorithmIsRefused) {
    pkey_ptr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    auto v = verifier_with("RS256", {ec_jwk(ec.get(), "e")});
    // Even a token whose header claims RS256 cannot be checked against an EC key.
    EXPECT_FALSE(v->verify(token(ec.get(), "RS256", EVP_sha256(), "e"), now).has_value());
}

TEST(Jwks, NothingVerifiesBeforeTheFirstKeySet) {
    pkey_ptr k1(EVP_RSA_gen(2048));
    auto v = jwt_verifier::create_for_key_set("RS256", std::chrono::seconds(0)).value();
    auto r = v->verify(token(k1.get(), "RS256", EVP_sha256(), "k1"), now);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("not loaded"), std::string::npos);
}

TEST(Jwks, ParseSkipsEncryptionKeysAndUnknownKinds) {
    pkey_ptr k1(EVP_RSA_gen(2048));
    json::object enc = rsa_jwk(k1.get(), "enc");
    enc["use"] = "enc";
    json::object set{{"keys", json::array{enc, json::object{{"kty", "oct"}, {"kid", "x"}},
                                          rsa_jwk(k1.get(), "sig")}}};
    auto parsed = parse_jwks(json::serialize(set));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->size(), 1u);
    EXPECT_EQ(parsed->count("sig"), 1u);
    EXPECT_FALSE(parse_jwks("[]").has_value());
    EXPECT_FALSE(parse_jwks("not json").has_value());
}

TEST(Jwks, HmacAlgorithmsCannotUseAKeySet) {
    EXPECT_FALSE(jwt_verifier::create_for_key_set("HS256", std::chrono::seconds(0)).has_value());
}

}  // namespace
