#pragma once

// OpenSSL helpers for tests that need real keys, certificates and signatures.

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace rig::test {

struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

inline std::string public_pem(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key), 1);
    return bio_text(bio.get());
}

// A self-signed X.509 certificate for `key`, as PEM.
inline std::string certificate_pem(EVP_PKEY* key, const EVP_MD* md) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("rig unit test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    EXPECT_GT(X509_sign(cert.get(), key, md), 0);
    bio_ptr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_X509(bio.get(), cert.get()), 1);
    return bio_text(bio.get());
}

// EVP_DigestSign; `md` is null for EdDSA.
inline std::string evp_sign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key), 1);
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()), 1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                             data.size()),
              1);
    sig.resize(len);
    return sig;
}

// JOSE wants ECDSA signatures as r||s, each `n` bytes; OpenSSL produces DER.
inline std::string der_to_jose(const std::string& der, int n) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    EXPECT_NE(sig, nullptr);
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::string out(2 * static_cast<std::size_t>(n), '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), n);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + n, n);
    ECDSA_SIG_free(sig);
    return out;
}

}  // namespace rig::test
