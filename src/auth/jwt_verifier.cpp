#include "auth/jwt_verifier.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <boost/json/parse.hpp>
#include <optional>

#include "core/base64url.hpp"
#include "core/json_text.hpp"

namespace rig::auth {
namespace json = boost::json;

namespace {

enum class family { hmac, rsa, ecdsa, eddsa };

struct pkey_deleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

core::error refused(std::string reason) {
    return core::error{core::condition::unauthorized, std::move(reason)};
}

}  // namespace

struct jwt_verifier::algorithm_info {
    std::string_view name;
    family fam;
    const EVP_MD* (*md)();
    std::size_t ec_coordinate_bytes;  // ECDSA: size of r and s in the JOSE signature
    const char* ec_group;             // ECDSA: the curve the key must be on
};

namespace {

const jwt_verifier::algorithm_info* find_algorithm(std::string_view name);

}  // namespace

struct jwt_key::impl {
    std::string secret;  // HMAC
    pkey_ptr pkey;       // public-key families
    bool is_hmac() const { return !pkey; }
};

jwt_key::jwt_key(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
jwt_key::~jwt_key() = default;

namespace {

const auto algorithms = std::to_array<jwt_verifier::algorithm_info>({
    {"HS256", family::hmac, EVP_sha256, 0, nullptr},
    {"HS384", family::hmac, EVP_sha384, 0, nullptr},
    {"HS512", family::hmac, EVP_sha512, 0, nullptr},
    {"RS256", family::rsa, EVP_sha256, 0, nullptr},
    {"RS384", family::rsa, EVP_sha384, 0, nullptr},
    {"RS512", family::rsa, EVP_sha512, 0, nullptr},
    {"ES256", family::ecdsa, EVP_sha256, 32, "prime256v1"},
    {"ES384", family::ecdsa, EVP_sha384, 48, "secp384r1"},
    {"EdDSA", family::eddsa, nullptr, 0, nullptr},
});

const jwt_verifier::algorithm_info* find_algorithm(std::string_view name) {
    for (const auto& a : algorithms) {
        if (a.name == name) {
            return &a;
        }
    }
    return nullptr;
}

pkey_ptr load_public_key(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) {
        return nullptr;
    }
    if (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
        return pkey_ptr(k);
    }
    BIO_reset(bio.get());
    if (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        pkey_ptr k(X509_get_pubkey(cert));
        X509_free(cert);
        return k;
    }
    return nullptr;
}

// Whether `key` can verify `alg` (type, and for ECDSA the curve).
bool key_fits(const jwt_key::impl& key, const jwt_verifier::algorithm_info& alg) {
    if (alg.fam == family::hmac) {
        return key.is_hmac();
    }
    if (key.is_hmac()) {
        return false;
    }
    const int id = EVP_PKEY_get_base_id(key.pkey.get());
    switch (alg.fam) {
        case family::rsa:
            return id == EVP_PKEY_RSA;
        case family::eddsa:
            return id == EVP_PKEY_ED25519;
        case family::ecdsa: {
            if (id != EVP_PKEY_EC) {
                return false;
            }
            std::array<char, 64> group{};
            std::size_t len = 0;
            return EVP_PKEY_get_utf8_string_param(key.pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                                  group.data(), group.size(), &len) == 1 &&
                   std::string_view(group.data(), len) == alg.ec_group;
        }
        case family::hmac:
            break;
    }
    return false;
}

// JOSE ECDSA signatures are r||s; OpenSSL verifies DER.
std::string ecdsa_jose_to_der(std::string_view sig, std::size_t n) {
    if (sig.size() != 2 * n) {
        return {};
    }
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(n), nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + n),
                          static_cast<int>(n), nullptr);
    std::string der;
    if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = nullptr;  // owned by es now
        unsigned char* out = nullptr;
        const int len = i2d_ECDSA_SIG(es, &out);
        if (len > 0) {
            der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
        }
        OPENSSL_free(out);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return der;
}

bool verify_with_pkey(EVP_PKEY* key, const EVP_MD* md, std::string_view signed_part,
                      std::string_view sig) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                            sig.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
}

bool verify_signature(const jwt_key::impl& key, const jwt_verifier::algorithm_info& alg,
                      std::string_view signed_part, std::string_view sig) {
    switch (alg.fam) {
        case family::hmac: {
            std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
            unsigned int len = 0;
            return HMAC(alg.md(), key.secret.data(), static_cast<int>(key.secret.size()),
                        reinterpret_cast<const unsigned char*>(signed_part.data()),
                        signed_part.size(), mac.data(), &len) != nullptr &&
                   len == sig.size() && CRYPTO_memcmp(mac.data(), sig.data(), len) == 0;
        }
        case family::rsa:
            return verify_with_pkey(key.pkey.get(), alg.md(), signed_part, sig);
        case family::ecdsa: {
            const std::string der = ecdsa_jose_to_der(sig, alg.ec_coordinate_bytes);
            return !der.empty() && verify_with_pkey(key.pkey.get(), alg.md(), signed_part, der);
        }
        case family::eddsa:
            return verify_with_pkey(key.pkey.get(), nullptr, signed_part, sig);
    }
    return false;
}

// --- JWK -> key --------------------------------------------------------------------------

std::optional<std::string> b64_member(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return core::base64url_decode(v->get_string());
}

pkey_ptr rsa_from_jwk(const json::object& o) {
    const auto n = b64_member(o, "n");
    const auto e = b64_member(o, "e");
    if (!n || !e) {
        return nullptr;
    }
    BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                             static_cast<int>(n->size()), nullptr);
    BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                             static_cast<int>(e->size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    EVP_PKEY* out = nullptr;
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
        if (OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld)) {
            if (EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) {
                if (EVP_PKEY_fromdata_init(ctx) == 1) {
                    EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_PUBLIC_KEY, params);
                }
                EVP_PKEY_CTX_free(ctx);
            }
            OSSL_PARAM_free(params);
        }
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey_ptr(out);
}

pkey_ptr ec_from_jwk(const json::object& o) {
    const auto* crv = o.if_contains("crv");
    const auto x = b64_member(o, "x");
    const auto y = b64_member(o, "y");
    if (crv == nullptr || !crv->is_string() || !x || !y) {
        return nullptr;
    }
    const char* group = crv->get_string() == "P-256"   ? "prime256v1"
                        : crv->get_string() == "P-384" ? "secp384r1"
                                                       : nullptr;
    const std::size_t size = crv->get_string() == "P-256" ? 32 : 48;
    if (group == nullptr || x->empty() || y->empty() || x->size() > size || y->size() > size) {
        return nullptr;
    }
    // RFC 7518 wants each coordinate at full length, but some producers drop leading zero
    // bytes (PyJWT before 2.7, in about 1 key of 128): pad them back rather than refuse the
    // key. OpenSSL still checks that the point is on the curve.
    std::string point(1 + 2 * size, '\0');
    point[0] = '\x04';
    x->copy(point.data() + 1 + (size - x->size()), x->size());
    y->copy(point.data() + 1 + size + (size - y->size()), y->size());
    std::array<OSSL_PARAM, 3> params = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* out = nullptr;
    if (EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) {
        if (EVP_PKEY_fromdata_init(ctx) == 1) {
            EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_PUBLIC_KEY, params.data());
        }
        EVP_PKEY_CTX_free(ctx);
    }
    return pkey_ptr(out);
}

pkey_ptr okp_from_jwk(const json::object& o) {
    const auto* crv = o.if_contains("crv");
    const auto x = b64_member(o, "x");
    if (crv == nullptr || !crv->is_string() || crv->get_string() != "Ed25519" || !x ||
        x->size() != 32) {
        return nullptr;
    }
    return pkey_ptr(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
}

// The public key of one JWK Set member; null for members to skip (not a key object, an
// encryption key, an unsupported or invalid key).
pkey_ptr key_from_jwk(const json::value& k) {
    if (!k.is_object()) {
        return nullptr;
    }
    const auto& o = k.get_object();
    const auto* use = o.if_contains("use");
    if (use != nullptr && use->is_string() && use->get_string() == "enc") {
        return nullptr;
    }
    const auto* kty = o.if_contains("kty");
    if (kty == nullptr || !kty->is_string()) {
        return nullptr;
    }
    return kty->get_string() == "RSA"   ? rsa_from_jwk(o)
           : kty->get_string() == "EC"  ? ec_from_jwk(o)
           : kty->get_string() == "OKP" ? okp_from_jwk(o)
                                        : nullptr;
}

}  // namespace

core::result<jwt_key_set> parse_jwks(std::string_view text) {
    json::error_code ec;
    const json::value doc = json::parse(text, ec);
    const json::value* keys =
        (!ec && doc.is_object()) ? doc.get_object().if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
        return core::bad_request("not a JWK Set: expected {\"keys\": [...]}");
    }
    jwt_key_set out;
    for (const auto& k : keys->get_array()) {
        pkey_ptr pkey = key_from_jwk(k);
        if (!pkey) {
            continue;
        }
        const auto* kid = k.get_object().if_contains("kid");
        auto impl = std::make_unique<jwt_key::impl>();
        impl->pkey = std::move(pkey);
        out[kid != nullptr && kid->is_string() ? std::string(kid->get_string()) : std::string()] =
            std::make_shared<const jwt_key>(std::move(impl));
    }
    return out;
}

jwt_verifier::~jwt_verifier() = default;

core::result<std::shared_ptr<jwt_verifier>> jwt_verifier::create(const jwt_options& options) {
    const algorithm_info* alg = find_algorithm(options.algorithm);
    if (alg == nullptr) {
        return core::bad_request("unsupported algorithm \"" + options.algorithm +
                                 "\" (supported: HS256, HS384, HS512, RS256, RS384, RS512, "
                                 "ES256, ES384, EdDSA)");
    }
    auto impl = std::make_unique<jwt_key::impl>();
    if (alg->fam == family::hmac) {
        impl->secret = options.key;
    } else {
        impl->pkey = load_public_key(options.key);
        if (!impl->pkey) {
            return core::bad_request("not a PEM public key or certificate");
        }
        if (!key_fits(*impl, *alg)) {
            return core::bad_request("the key's type does not fit algorithm " + options.algorithm);
        }
    }
    auto v = std::shared_ptr<jwt_verifier>(new jwt_verifier(alg, options.leeway));
    v->static_key_ = std::make_shared<const jwt_key>(std::move(impl));
    return v;
}

core::result<std::shared_ptr<jwt_verifier>> jwt_verifier::create_for_key_set(
    const std::string& algorithm, std::chrono::seconds leeway) {
    const algorithm_info* alg = find_algorithm(algorithm);
    if (alg == nullptr || alg->fam == family::hmac) {
        return core::bad_request("unsupported algorithm \"" + algorithm +
                                 "\" for a JWK Set (supported: RS256, RS384, RS512, ES256, ES384, "
                                 "EdDSA)");
    }
    return std::shared_ptr<jwt_verifier>(new jwt_verifier(alg, leeway));
}

void jwt_verifier::set_keys(std::shared_ptr<const jwt_key_set> keys) {
    std::lock_guard lock(keys_mutex_);
    keys_ = std::move(keys);
}

core::result<json::object> jwt_verifier::verify(std::string_view token,
                                                std::chrono::system_clock::time_point now) const {
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return refused("not a token");
    }
    const auto header_text = core::base64url_decode(token.substr(0, dot1));
    const auto claims_text = core::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto sig = core::base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !claims_text || !sig) {
        return refused("not a token");
    }
    json::error_code ec;
    const json::value header = json::parse(*header_text, ec);
    if (ec || !header.is_object()) {
        return refused("not a token");
    }
    const auto* alg = header.get_object().if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->get_string() != alg_->name) {
        return refused("Invalid signature: the token's alg is not " + std::string(alg_->name));
    }

    const auto key = key_for(header.get_object());
    if (!key) {
        return key.error();
    }
    if (!verify_signature((*key)->get(), *alg_, token.substr(0, dot2), *sig)) {
        return refused("Invalid signature");
    }
    json::value claims = json::parse(*claims_text, ec);
    if (ec || !claims.is_object()) {
        return refused("the token's claims are not a JSON object");
    }
    // Boost.JSON reads 1e999 as infinity: a claim bound as a subscription constraint would be
    // written back as `Infinity` (core/json_text.hpp). RIG's decoder refuses such a token.
    if (!core::has_only_finite_numbers(claims)) {
        return refused("the token's claims hold a number out of range");
    }
    if (auto e = check_times(claims.get_object(), now)) {
        return std::move(*e);
    }
    return std::move(claims.get_object());
}

core::result<std::shared_ptr<const jwt_key>> jwt_verifier::key_for(
    const json::object& header) const {
    if (static_key_) {
        return static_key_;
    }
    std::shared_ptr<const jwt_key_set> keys;
    {
        std::lock_guard lock(keys_mutex_);
        keys = keys_;
    }
    const auto* kid = header.if_contains("kid");
    const std::string_view id = (kid != nullptr && kid->is_string())
                                    ? std::string_view(kid->get_string())
                                    : std::string_view();
    std::shared_ptr<const jwt_key> key;
    if (keys) {
        if (auto it = keys->find(id); it != keys->end()) {
            key = it->second;
        } else if (id.empty() && keys->size() == 1) {
            key = keys->begin()->second;
        }
    }
    if (!key) {
        if (on_unknown_key_) {
            on_unknown_key_();
        }
        return refused(keys ? "Could not verify token: unknown key id \"" + std::string(id) + "\""
                            : "Could not verify token: the JWK Set is not loaded yet");
    }
    if (!key_fits(key->get(), *alg_)) {
        return refused("Invalid signature: the key's type does not fit " + std::string(alg_->name));
    }
    return key;
}

std::optional<core::error> jwt_verifier::check_times(
    const json::object& claims, std::chrono::system_clock::time_point now) const {
    const double t = std::chrono::duration<double>(now.time_since_epoch()).count();
    const auto leeway = static_cast<double>(leeway_.count());
    const auto* exp = claims.if_contains("exp");
    if (exp == nullptr || !exp->is_number() || !(exp->to_number<double>() + leeway > t)) {
        return refused("token expired");
    }
    if (const auto* nbf = claims.if_contains("nbf")) {
        if (!nbf->is_number() || nbf->to_number<double>() > t + leeway) {
            return refused("token not yet valid");
        }
    }
    return std::nullopt;
}

}  // namespace rig::auth
