#include "http/client_tls.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/openssl_keys.hpp"
#include "support/temp_file.hpp"
namespace {

using rig::http::make_client_tls;

using rig::test::temp_file;

rig::test::pkey_ptr ec_key() {
    return rig::test::pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

// Whether `pem` (a self-signed certificate) verifies against the context's trust store.
bool trusted(const rig::http::client_tls& tls, const std::string& pem) {
    rig::test::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    EXPECT_NE(cert, nullptr);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), SSL_CTX_get_cert_store(tls->native_handle()), cert.get(),
                        nullptr);
    return X509_verify_cert(ctx.get()) == 1;
}

TEST(ClientTls, SystemCasOnlyWhenNoFileIsGiven) {
    auto tls = make_client_tls("");
    ASSERT_TRUE(tls.has_value()) << tls.error().message;
    SSL_CTX* ctx = (*tls)->native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
    auto key = ec_key();
    EXPECT_FALSE(trusted(*tls, rig::test::certificate_pem(key.get(), EVP_sha256())));
}

TEST(ClientTls, CaFileIsTrustedOnTopOfTheSystemCas) {
    auto key = ec_key();
    const std::string ca = rig::test::certificate_pem(key.get(), EVP_sha256());
    temp_file file(ca);
    auto tls = make_client_tls(file.path());
    ASSERT_TRUE(tls.has_value()) << tls.error().message;
    EXPECT_TRUE(trusted(*tls, ca));
    EXPECT_EQ(SSL_CTX_get_min_proto_version((*tls)->native_handle()), TLS1_2_VERSION);
    auto other = ec_key();
    EXPECT_FALSE(trusted(*tls, rig::test::certificate_pem(other.get(), EVP_sha256())));
}

TEST(ClientTls, UnusableCaFilesAreRefusedByName) {
    auto key = ec_key();
    temp_file not_pem("this is not a certificate\n");
    temp_file empty("");
    temp_file only_a_key(rig::test::public_pem(key.get()));
    const std::string missing =
        (std::filesystem::temp_directory_path() / "rig_tls_missing_ca.pem").string();
    const std::string directory = std::filesystem::temp_directory_path().string();
    const std::pair<std::string, const char*> cases[] = {
        {missing, "No such file"}, {directory, "directory"}, {not_pem.path(), ""},
        {empty.path(), ""},        {only_a_key.path(), ""},
    };
    for (const auto& [path, why] : cases) {
        auto tls = make_client_tls(path);
        ASSERT_TRUE(tls.has_error()) << path;
        EXPECT_NE(tls.error().message.find("\"" + path + "\""), std::string::npos)
            << tls.error().message;
        EXPECT_NE(tls.error().message.find(why), std::string::npos) << tls.error().message;
    }
}

}  // namespace
