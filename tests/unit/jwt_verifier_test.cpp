#include "auth/jwt_verifier.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/base64url.hpp"
#include "support/openssl_keys.hpp"

namespace {

using rig::auth::jwt_options;
using rig::auth::jwt_verifier;
using rig::core::base64url_encode;
using rig::core::condition;
using namespace std::chrono_literals;
using namespace rig::test;

// A fixed "now" so that no test depends on the clock.
constexpr int64_t now_s = 1'700'000'000;
const std::chrono::system_clock::time_point fixed_now{std::chrono::seconds{now_s}};

// Concatenation without `literal + std::string`, which trips GCC 12's -Wrestrict at -O3.
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

std::string future_claims(std::string_view extra = R"("foo":"bar")") {
    return cat("{", extra, R"(,"exp":)", std::to_string(now_s + 3600), "}");
}

std::string header(std::string_view alg) {
    return cat(R"({"alg":")", alg, R"(","typ":"JWT"})");
}

std::string signing_input(std::string_view header_json, std::string_view claims_json) {
    return base64url_encode(header_json) + "." + base64url_encode(claims_json);
}

// ---------------------------------------------------------------------------------------------
// Signing helpers (the test plays the token issuer).

const EVP_MD* hmac_md(std::string_view alg) {
    if (alg == "HS384") {
        return EVP_sha384();
    }
    if (alg == "HS512") {
        return EVP_sha512();
    }
    return EVP_sha256();
}

std::string hmac(std::string_view alg, std::string_view secret, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(hmac_md(alg), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
    return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string hs_token(std::string_view alg, std::string_view secret, std::string_view claims,
                     std::string_view header_alg = {}) {
    const std::string input = signing_input(header(header_alg.empty() ? alg : header_alg), claims);
    return input + "." + base64url_encode(hmac(alg, secret, input));
}

std::string pk_token(EVP_PKEY* key, std::string_view alg, const EVP_MD* md, std::string_view claims,
                     int ec_bytes = 0) {
    const std::string input = signing_input(header(alg), claims);
    std::string sig = evp_sign(key, md, input);
    if (ec_bytes > 0) {
        sig = der_to_jose(sig, ec_bytes);
    }
    return input + "." + base64url_encode(sig);
}

std::shared_ptr<const jwt_verifier> make_verifier(std::string alg, std::string key,
                                                  std::chrono::seconds leeway = 0s) {
    auto r = jwt_verifier::create(jwt_options{std::move(alg), std::move(key), leeway});
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? *r : nullptr;
}

void expect_refused(const jwt_verifier& v, std::string_view token,
                    std::string_view message_fragment = {}) {
    auto r = v.verify(token, fixed_now);
    ASSERT_TRUE(r.has_error()) << "accepted: " << token;
    EXPECT_EQ(r.error().cond, condition::unauthorized);
    EXPECT_FALSE(r.error().message.empty());
    if (!message_fragment.empty()) {
        EXPECT_NE(r.error().message.find(message_fragment), std::string::npos) << r.error().message;
    }
}

void expect_valid(const jwt_verifier& v, std::string_view token) {
    auto r = v.verify(token, fixed_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_TRUE(r->contains("foo"));
    EXPECT_EQ(r->at("foo"), "bar");
}

// ---------------------------------------------------------------------------------------------
// HMAC

TEST(JwtVerifier, Hs256ValidToken) {
    // Spec §13.7 scenario 46.
    const auto v = make_verifier("HS256", "mysecret");
    const auto claims = v->verify(hs_token("HS256", "mysecret", future_claims()), fixed_now);
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    EXPECT_EQ(claims->at("foo"), "bar");
    EXPECT_EQ(claims->at("exp").to_number<int64_t>(), now_s + 3600);
}

TEST(JwtVerifier, Hs384ValidToken) {
    const auto v = make_verifier("HS384", "mysecret");
    expect_valid(*v, hs_token("HS384", "mysecret", future_claims()));
}

TEST(JwtVerifier, Hs512ValidToken) {
    const auto v = make_verifier("HS512", "mysecret");
    expect_valid(*v, hs_token("HS512", "mysecret", future_claims()));
}

TEST(JwtVerifier, WrongSecretIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    expect_refused(*v, hs_token("HS256", "othersecret", future_claims()), "Invalid signature");
    expect_refused(*v, hs_token("HS256", "", future_claims()), "Invalid signature");
}

TEST(JwtVerifier, AlgorithmMismatchIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    // A genuine HS384 token made with the right secret.
    expect_refused(*v, hs_token("HS384", "mysecret", future_claims()));
    // An HS256 signature under a header that claims HS384.
    expect_refused(*v, hs_token("HS256", "mysecret", future_claims(), "HS384"));
    // Lowercase alg is a different algorithm name.
    expect_refused(*v, hs_token("HS256", "mysecret", future_claims(), "hs256"));
}

TEST(JwtVerifier, AlgNoneIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    const std::string input = signing_input(R"({"alg":"none","typ":"JWT"})", future_claims());
    expect_refused(*v, input + ".");
    expect_refused(*v, input + "." + base64url_encode(hmac("HS256", "mysecret", input)));
    const std::string no_alg = signing_input(R"({"typ":"JWT"})", future_claims());
    expect_refused(*v, no_alg + "." + base64url_encode(hmac("HS256", "mysecret", no_alg)));
}

TEST(JwtVerifier, NoneIsNotAConfigurableAlgorithm) {
    auto r = jwt_verifier::create({"none", "", 0s});
    ASSERT_TRUE(r.has_error());
    EXPECT_TRUE(r.error().message.starts_with("unsupported")) << r.error().message;
    r = jwt_verifier::create({"HS1024", "x", 0s});
    ASSERT_TRUE(r.has_error());
    EXPECT_TRUE(r.error().message.starts_with("unsupported")) << r.error().message;
}

TEST(JwtVerifier, MissingExpIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    expect_refused(*v, hs_token("HS256", "mysecret", R"({"foo":"bar"})"), "token expired");
}

TEST(JwtVerifier, NonNumericExpIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    expect_refused(*v, hs_token("HS256", "mysecret", R"({"foo":"bar","exp":"4102444800"})"));
    expect_refused(*v, hs_token("HS256", "mysecret", R"({"foo":"bar","exp":null})"));
}

TEST(JwtVerifier, ExpiredIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    expect_refused(*v,
                   hs_token("HS256", "mysecret",
                            cat(R"({"foo":"bar","exp":)", std::to_string(now_s - 1), "}")),
                   "token expired");
    // exp must be strictly in the future.
    expect_refused(
        *v,
        hs_token("HS256", "mysecret", cat(R"({"foo":"bar","exp":)", std::to_string(now_s), "}")),
        "token expired");
    expect_valid(*v, hs_token("HS256", "mysecret",
                              cat(R"({"foo":"bar","exp":)", std::to_string(now_s + 1), "}")));
}

TEST(JwtVerifier, FractionalExpIsCompared) {
    const auto v = make_verifier("HS256", "mysecret");
    expect_valid(*v, hs_token("HS256", "mysecret",
                              cat(R"({"foo":"bar","exp":)", std::to_string(now_s), ".5}")));
}

TEST(JwtVerifier, NbfInFutureIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    const std::string exp = std::to_string(now_s + 3600);
    expect_refused(*v, hs_token("HS256", "mysecret",
                                cat(R"({"foo":"bar","exp":)", exp, R"(,"nbf":)",
                                    std::to_string(now_s + 60), "}")));
    expect_valid(*v, hs_token("HS256", "mysecret",
                              cat(R"({"foo":"bar","exp":)", exp, R"(,"nbf":)",
                                  std::to_string(now_s - 60), "}")));
    expect_valid(
        *v, hs_token("HS256", "mysecret",
                     cat(R"({"foo":"bar","exp":)", exp, R"(,"nbf":)", std::to_string(now_s), "}")));
    expect_refused(*v, hs_token("HS256", "mysecret",
                                cat(R"({"foo":"bar","exp":)", exp, R"(,"nbf":"yesterday"})")));
}

TEST(JwtVerifier, LeewayAppliesToExpAndNbf) {
    const auto v = make_verifier("HS256", "mysecret", 10s);
    const auto token = [](int64_t exp, std::optional<int64_t> nbf = std::nullopt) {
        std::string claims = cat(R"({"foo":"bar","exp":)", std::to_string(exp));
        if (nbf) {
            claims += cat(R"(,"nbf":)", std::to_string(*nbf));
        }
        claims += "}";
        return hs_token("HS256", "mysecret", claims);
    };
    expect_valid(*v, token(now_s - 5));
    expect_valid(*v, token(now_s - 9));
    expect_refused(*v, token(now_s - 10));
    expect_refused(*v, token(now_s - 15));
    expect_valid(*v, token(now_s + 3600, now_s + 5));
    expect_valid(*v, token(now_s + 3600, now_s + 10));
    expect_refused(*v, token(now_s + 3600, now_s + 15));

    // Without leeway the same tokens are refused.
    const auto strict = make_verifier("HS256", "mysecret");
    expect_refused(*strict, token(now_s - 5));
    expect_refused(*strict, token(now_s + 3600, now_s + 5));
}

TEST(JwtVerifier, MalformedTokensAreRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    const std::string good = hs_token("HS256", "mysecret", future_claims());
    const auto dot1 = good.find('.');
    const auto dot2 = good.find('.', dot1 + 1);

    expect_refused(*v, "");                    // empty
    expect_refused(*v, "badtoken");            // spec §13.7 scenario 47
    expect_refused(*v, good.substr(0, dot2));  // two parts
    expect_refused(*v, good + ".");            // four parts
    expect_refused(*v, good + ".x");
    expect_refused(*v, cat("Bearer ", good));  // spec §13.7 scenario 51
    expect_refused(*v, "..");
    // Characters outside base64url in each part.
    expect_refused(*v, cat("@@@", good.substr(dot1)));
    expect_refused(*v, cat(good.substr(0, dot1 + 1), "+/+", good.substr(dot2)));
    expect_refused(*v, good.substr(0, dot2 + 1) + "!!!");
    // Standard base64 alphabet for the signature is not base64url.
    std::string std_sig = good;
    for (auto i = dot2 + 1; i < std_sig.size(); ++i) {
        if (std_sig[i] == '-') {
            std_sig[i] = '+';
        } else if (std_sig[i] == '_') {
            std_sig[i] = '/';
        }
    }
    if (std_sig != good) {
        expect_refused(*v, std_sig);
    }
}

TEST(JwtVerifier, HeaderNotJsonObjectIsRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    for (const char* h : {"not json", R"(["HS256"])", R"("HS256")"}) {
        const std::string input = signing_input(h, future_claims());
        expect_refused(*v, input + "." + base64url_encode(hmac("HS256", "mysecret", input)));
    }
}

TEST(JwtVerifier, ClaimsNotObjectAreRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    for (const char* claims : {"[1,2,3]", R"("claims")", "42", "null", "not json"}) {
        expect_refused(*v, hs_token("HS256", "mysecret", claims));
    }
}

TEST(JwtVerifier, ClaimsWithNumbersOutOfRangeAreRefused) {
    // Boost.JSON reads 1e999 as infinity; inferred subscriptions would echo it as `Infinity`.
    const auto v = make_verifier("HS256", "mysecret");
    for (const char* extra : {R"("foo":1e999)", R"("foo":{"n":[-1e309]})", R"("exp2":1E400)"}) {
        expect_refused(*v, hs_token("HS256", "mysecret", future_claims(extra)), "out of range");
    }
    expect_valid(*v, hs_token("HS256", "mysecret", future_claims(R"("foo":"bar","n":1e308)")));
}

TEST(JwtVerifier, TamperedClaimsAreRefused) {
    const auto v = make_verifier("HS256", "mysecret");
    const std::string good = hs_token("HS256", "mysecret", future_claims());
    const auto dot1 = good.find('.');
    const auto dot2 = good.find('.', dot1 + 1);
    const std::string forged = good.substr(0, dot1 + 1) +
                               base64url_encode(future_claims(R"("foo":"admin")")) +
                               good.substr(dot2);
    expect_refused(*v, forged, "Invalid signature");
}

TEST(JwtVerifier, EmptySecretStillVerifiesSignature) {
    const auto v = make_verifier("HS256", "");
    expect_valid(*v, hs_token("HS256", "", future_claims()));
    expect_refused(*v, hs_token("HS256", "x", future_claims()));
}

// ---------------------------------------------------------------------------------------------
// Public-key algorithms

class JwtVerifierPublicKey : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        rsa_ = pkey_ptr(EVP_RSA_gen(2048));
        other_rsa_ = pkey_ptr(EVP_RSA_gen(2048));
        ec_ = pkey_ptr(EVP_EC_gen("P-256"));
        other_ec_ = pkey_ptr(EVP_EC_gen("P-256"));
        ec384_ = pkey_ptr(EVP_EC_gen("P-384"));
        ed_ = pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        other_ed_ = pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    }
    static void TearDownTestSuite() {
        rsa_.reset();
        other_rsa_.reset();
        ec_.reset();
        other_ec_.reset();
        ec384_.reset();
        ed_.reset();
        other_ed_.reset();
    }
    void SetUp() override {
        ASSERT_NE(rsa_, nullptr);
        ASSERT_NE(other_rsa_, nullptr);
        ASSERT_NE(ec_, nullptr);
        ASSERT_NE(other_ec_, nullptr);
        ASSERT_NE(ec384_, nullptr);
        ASSERT_NE(ed_, nullptr);
        ASSERT_NE(other_ed_, nullptr);
    }

    static inline pkey_ptr rsa_;
    static inline pkey_ptr other_rsa_;
    static inline pkey_ptr ec_;
    static inline pkey_ptr other_ec_;
    static inline pkey_ptr ec384_;
    static inline pkey_ptr ed_;
    static inline pkey_ptr other_ed_;
};

TEST_F(JwtVerifierPublicKey, Rs256ValidToken) {
    const auto v = make_verifier("RS256", public_pem(rsa_.get()));
    expect_valid(*v, pk_token(rsa_.get(), "RS256", EVP_sha256(), future_claims()));
}

TEST_F(JwtVerifierPublicKey, Rs384AndRs512ValidTokens) {
    const std::string pem = public_pem(rsa_.get());
    expect_valid(*make_verifier("RS384", pem),
                 pk_token(rsa_.get(), "RS384", EVP_sha384(), future_claims()));
    expect_valid(*make_verifier("RS512", pem),
                 pk_token(rsa_.get(), "RS512", EVP_sha512(), future_claims()));
}

TEST_F(JwtVerifierPublicKey, Rs256OtherKeyIsRefused) {
    const auto v = make_verifier("RS256", public_pem(rsa_.get()));
    expect_refused(*v, pk_token(other_rsa_.get(), "RS256", EVP_sha256(), future_claims()),
                   "Invalid signature");
}

TEST_F(JwtVerifierPublicKey, Rs256WrongDigestIsRefused) {
    const auto v = make_verifier("RS256", public_pem(rsa_.get()));
    // Signed with SHA-512 under a header that says RS256.
    const std::string input = signing_input(header("RS256"), future_claims());
    const std::string sig = evp_sign(rsa_.get(), EVP_sha512(), input);
    expect_refused(*v, input + "." + base64url_encode(sig));
}

TEST_F(JwtVerifierPublicKey, Rs256ExpiredIsRefused) {
    const auto v = make_verifier("RS256", public_pem(rsa_.get()));
    expect_refused(*v, pk_token(rsa_.get(), "RS256", EVP_sha256(), R"({"foo":"bar"})"),
                   "token expired");
}

TEST_F(JwtVerifierPublicKey, HmacSignedWithPublicKeyIsRefused) {
    // Algorithm confusion: the attacker knows the public key and uses its PEM as an HMAC
    // secret, claiming HS256. The verifier is configured for RS256 and must not fall for it.
    const std::string pem = public_pem(rsa_.get());
    const auto v = make_verifier("RS256", pem);
    expect_refused(*v, hs_token("HS256", pem, future_claims()));
    // Even with a header that claims RS256, an HMAC is not an RSA signature.
    expect_refused(*v, hs_token("HS256", pem, future_claims(), "RS256"));
}

TEST_F(JwtVerifierPublicKey, Rs256WithCertificateAsKey) {
    // Spec §13.7 scenario 48.
    const std::string cert = certificate_pem(rsa_.get(), EVP_sha256());
    ASSERT_NE(cert.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
    const auto v = make_verifier("RS256", cert);
    expect_valid(*v, pk_token(rsa_.get(), "RS256", EVP_sha256(), future_claims()));
    expect_refused(*v, pk_token(other_rsa_.get(), "RS256", EVP_sha256(), future_claims()));
}

TEST_F(JwtVerifierPublicKey, Es256ValidToken) {
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    expect_valid(*v, pk_token(ec_.get(), "ES256", EVP_sha256(), future_claims(), 32));
}

TEST_F(JwtVerifierPublicKey, Es256SignatureHasFixedSize) {
    // Sign several tokens: some r or s values have leading zero bytes, which the raw form
    // keeps as padding.
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    for (int i = 0; i < 20; ++i) {
        expect_valid(*v,
                     pk_token(ec_.get(), "ES256", EVP_sha256(),
                              future_claims(cat(R"("foo":"bar","i":)", std::to_string(i))), 32));
    }
}

TEST_F(JwtVerifierPublicKey, Es256DerSignatureIsRefused) {
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    expect_refused(*v, pk_token(ec_.get(), "ES256", EVP_sha256(), future_claims()));
}

TEST_F(JwtVerifierPublicKey, Es256OtherKeyIsRefused) {
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    expect_refused(*v, pk_token(other_ec_.get(), "ES256", EVP_sha256(), future_claims(), 32));
}

TEST_F(JwtVerifierPublicKey, Es256TruncatedSignatureIsRefused) {
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    const std::string input = signing_input(header("ES256"), future_claims());
    const std::string sig = der_to_jose(evp_sign(ec_.get(), EVP_sha256(), input), 32);
    expect_refused(*v, input + "." + base64url_encode(sig.substr(0, 63)));
    expect_refused(*v, input + "." + base64url_encode(sig + '\0'));
    expect_refused(*v, input + ".");
}

TEST_F(JwtVerifierPublicKey, Es256WithCertificateAsKey) {
    const auto v = make_verifier("ES256", certificate_pem(ec_.get(), EVP_sha256()));
    expect_valid(*v, pk_token(ec_.get(), "ES256", EVP_sha256(), future_claims(), 32));
}

TEST_F(JwtVerifierPublicKey, Es384ValidToken) {
    const auto v = make_verifier("ES384", public_pem(ec384_.get()));
    expect_valid(*v, pk_token(ec384_.get(), "ES384", EVP_sha384(), future_claims(), 48));
}

TEST_F(JwtVerifierPublicKey, EdDsaValidToken) {
    const auto v = make_verifier("EdDSA", public_pem(ed_.get()));
    expect_valid(*v, pk_token(ed_.get(), "EdDSA", nullptr, future_claims()));
}

TEST_F(JwtVerifierPublicKey, EdDsaOtherKeyIsRefused) {
    const auto v = make_verifier("EdDSA", public_pem(ed_.get()));
    expect_refused(*v, pk_token(other_ed_.get(), "EdDSA", nullptr, future_claims()));
}

TEST_F(JwtVerifierPublicKey, RsaTokenRefusedByEcVerifier) {
    const auto v = make_verifier("ES256", public_pem(ec_.get()));
    expect_refused(*v, pk_token(rsa_.get(), "RS256", EVP_sha256(), future_claims()));
}

TEST_F(JwtVerifierPublicKey, KeyMustFitAlgorithm) {
    EXPECT_TRUE(jwt_verifier::create({"RS256", public_pem(ec_.get()), 0s}).has_error());
    EXPECT_TRUE(jwt_verifier::create({"ES256", public_pem(rsa_.get()), 0s}).has_error());
    EXPECT_TRUE(jwt_verifier::create({"EdDSA", public_pem(rsa_.get()), 0s}).has_error());
    EXPECT_TRUE(jwt_verifier::create({"RS256", public_pem(ed_.get()), 0s}).has_error());
}

TEST_F(JwtVerifierPublicKey, NonPemKeyIsRefused) {
    for (const char* alg : {"RS256", "ES256", "EdDSA"}) {
        auto r = jwt_verifier::create({alg, "mysecret", 0s});
        ASSERT_TRUE(r.has_error()) << alg;
        EXPECT_EQ(r.error().cond, condition::bad_request);
        EXPECT_TRUE(jwt_verifier::create({alg, "", 0s}).has_error()) << alg;
    }
}

}  // namespace
