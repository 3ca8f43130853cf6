#include "auth/jwt_verifier.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <vector>

#include "core/base64url.hpp"

namespace rig::auth {
namespace json = boost::json;

namespace {

enum class family { hmac, rsa, ecdsa, eddsa };

struct algorithm {
    std::string_view name;
    family fam;
    const EVP_MD* (*md)();
    std::size_t ec_coordinate_bytes;  // ECDSA: size of r and s in the JOSE signature
};

const algorithm algorithms[] = {
    {"HS256", family::hmac, EVP_sha256, 0},   {"HS384", family::hmac, EVP_sha384, 0},
    {"HS512", family::hmac, EVP_sha512, 0},   {"RS256", family::rsa, EVP_sha256, 0},
    {"RS384", family::rsa, EVP_sha384, 0},    {"RS512", family::rsa, EVP_sha512, 0},
    {"ES256", family::ecdsa, EVP_sha256, 32}, {"ES384", family::ecdsa, EVP_sha384, 48},
    {"EdDSA", family::eddsa, nullptr, 0},
};

struct pkey_deleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

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

core::error refused(std::string reason) {
    return core::error{core::condition::unauthorized, std::move(reason)};
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

}  // namespace

struct jwt_verifier::key_material {
    const algorithm* alg = nullptr;
    std::string secret;  // HMAC
    pkey_ptr pkey;       // public-key families
};

jwt_verifier::jwt_verifier(std::unique_ptr<key_material> key) : key_(std::move(key)) {}

jwt_verifier::~jwt_verifier() = default;

core::result<std::shared_ptr<const jwt_verifier>> jwt_verifier::create(const jwt_options& options) {
    auto km = std::make_unique<key_material>();
    for (const auto& a : algorithms) {
        if (a.name == options.algorithm) {
            km->alg = &a;
        }
    }
    if (km->alg == nullptr) {
        return core::bad_request("unsupported algorithm \"" + options.algorithm +
                                 "\" (supported: HS256, HS384, HS512, RS256, RS384, RS512, "
                                 "ES256, ES384, EdDSA)");
    }
    if (km->alg->fam == family::hmac) {
        km->secret = options.key;
    } else {
        km->pkey = load_public_key(options.key);
        if (!km->pkey) {
            return core::bad_request("not a PEM public key or certificate");
        }
        const int id = EVP_PKEY_get_base_id(km->pkey.get());
        const bool fits = (km->alg->fam == family::rsa && id == EVP_PKEY_RSA) ||
                          (km->alg->fam == family::ecdsa && id == EVP_PKEY_EC) ||
                          (km->alg->fam == family::eddsa && id == EVP_PKEY_ED25519);
        if (!fits) {
            return core::bad_request("the key's type does not fit algorithm " + options.algorithm);
        }
    }
    auto v = std::shared_ptr<jwt_verifier>(new jwt_verifier(std::move(km)));
    v->leeway_ = options.leeway;
    return std::shared_ptr<const jwt_verifier>(std::move(v));
}

core::result<json::object> jwt_verifier::verify(std::string_view token,
                                                std::chrono::system_clock::time_point now) const {
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return refused("not a token");
    }
    const auto header_b64 = token.substr(0, dot1);
    const auto claims_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto header_text = core::base64url_decode(header_b64);
    const auto claims_text = core::base64url_decode(claims_b64);
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
    if (alg == nullptr || !alg->is_string() || alg->get_string() != key_->alg->name) {
        return refused("Invalid signature: the token's alg is not " + std::string(key_->alg->name));
    }

    const std::string_view signed_part = token.substr(0, dot2);
    bool ok = false;
    switch (key_->alg->fam) {
        case family::hmac: {
            unsigned char mac[EVP_MAX_MD_SIZE];
            unsigned int len = 0;
            ok = HMAC(key_->alg->md(), key_->secret.data(), static_cast<int>(key_->secret.size()),
                      reinterpret_cast<const unsigned char*>(signed_part.data()),
                      signed_part.size(), mac, &len) != nullptr &&
                 len == sig->size() && CRYPTO_memcmp(mac, sig->data(), len) == 0;
            break;
        }
        case family::rsa:
            ok = verify_with_pkey(key_->pkey.get(), key_->alg->md(), signed_part, *sig);
            break;
        case family::ecdsa: {
            const std::string der = ecdsa_jose_to_der(*sig, key_->alg->ec_coordinate_bytes);
            ok = !der.empty() &&
                 verify_with_pkey(key_->pkey.get(), key_->alg->md(), signed_part, der);
            break;
        }
        case family::eddsa:
            ok = verify_with_pkey(key_->pkey.get(), nullptr, signed_part, *sig);
            break;
    }
    if (!ok) {
        return refused("Invalid signature");
    }

    json::value claims = json::parse(*claims_text, ec);
    if (ec || !claims.is_object()) {
        return refused("the token's claims are not a JSON object");
    }
    const double t = std::chrono::duration<double>(now.time_since_epoch()).count();
    const double leeway = static_cast<double>(leeway_.count());
    const auto* exp = claims.get_object().if_contains("exp");
    if (exp == nullptr || !exp->is_number() || !(exp->to_number<double>() + leeway > t)) {
        return refused("token expired");
    }
    if (const auto* nbf = claims.get_object().if_contains("nbf")) {
        if (!nbf->is_number() || nbf->to_number<double>() > t + leeway) {
            return refused("token not yet valid");
        }
    }
    return std::move(claims.get_object());
}

}  // namespace rig::auth
