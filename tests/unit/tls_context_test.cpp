#include "net/tls_context.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_file.hpp"
namespace {

using rig::net::tls_context;
using rig::net::tls_files;

// The committed fixtures (tests/fixtures/tls/make-fixtures.sh); CMake passes their directory.
std::string fixture(const char* name) {
    return (std::filesystem::path(RIG_TLS_FIXTURES_DIR) / name).string();
}

const std::string passphrase = "rig-test-pass";

struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
};
struct session_free {
    void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_free>;
using ssl_ptr = std::unique_ptr<SSL, ssl_free>;
using session_ptr = std::unique_ptr<SSL_SESSION, session_free>;

std::shared_ptr<const tls_context> load_ok(const tls_files& files, bool offer_h2 = true) {
    auto r = tls_context::load_server(files, offer_h2);
    EXPECT_TRUE(r.has_value()) << (r ? std::string() : r.error().message);
    EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue left non-empty";
    return r ? *r : nullptr;
}

std::string load_error(const tls_files& files) {
    auto r = tls_context::load_server(files, true);
    EXPECT_FALSE(r.has_value());
    if (r) {
        return {};
    }
    EXPECT_EQ(r.error().cond, rig::core::condition::bad_request);
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
    EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue left non-empty";
    return r.error().message;
}

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

using rig::test::temp_file;

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// --- a client and an in-memory handshake --------------------------------------------------

struct client_options {
    std::vector<std::string> alpn;  // offered protocols; empty = no ALPN extension
    int max_version = 0;            // 0 = OpenSSL's highest
    std::string ca_file;            // verify the server against this (and "localhost")
    std::string tls12_ciphers;      // empty = OpenSSL's default
    bool any_security_level = false;
};

client_options verifying_with(const std::string& ca_file) {
    client_options o;
    o.ca_file = ca_file;
    return o;
}

client_options up_to(int max_version) {
    client_options o;
    o.max_version = max_version;
    return o;
}

client_options offering(const std::vector<std::string>& alpn) {
    client_options o;
    o.alpn = alpn;
    return o;
}

ctx_ptr make_client(const client_options& o) {
    ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
    EXPECT_TRUE(ctx);
    if (o.any_security_level) {
        // Lets this client offer TLS 1.0/1.1, which OpenSSL's defaults refuse on their own.
        SSL_CTX_set_security_level(ctx.get(), 0);
        EXPECT_EQ(SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0"), 1);
        EXPECT_EQ(SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION), 1);
    }
    if (o.max_version != 0) {
        EXPECT_EQ(SSL_CTX_set_max_proto_version(ctx.get(), o.max_version), 1);
    }
    if (!o.tls12_ciphers.empty()) {
        EXPECT_EQ(SSL_CTX_set_cipher_list(ctx.get(), o.tls12_ciphers.c_str()), 1);
    }
    if (!o.alpn.empty()) {
        std::string wire;
        for (const auto& p : o.alpn) {
            wire += static_cast<char>(p.size());
            wire += p;
        }
        // Unlike most of OpenSSL, 0 means success here.
        EXPECT_EQ(
            SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())),
            0);
    }
    if (!o.ca_file.empty()) {
        EXPECT_EQ(SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr), 1);
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    }
    return ctx;
}

// A client and a server SSL joined by a BIO pair: a real handshake, no sockets.
class tls_pair {
public:
    tls_pair(SSL_CTX* server_ctx, SSL_CTX* client_ctx, SSL_SESSION* resume = nullptr)
        : server_(SSL_new(server_ctx)), client_(SSL_new(client_ctx)) {
        BIO* client_end = nullptr;
        BIO* server_end = nullptr;
        EXPECT_EQ(BIO_new_bio_pair(&client_end, 0, &server_end, 0), 1);
        SSL_set_bio(client_.get(), client_end, client_end);
        SSL_set_bio(server_.get(), server_end, server_end);
        SSL_set_connect_state(client_.get());
        SSL_set_accept_state(server_.get());
        SSL_set_tlsext_host_name(client_.get(), "localhost");
        EXPECT_EQ(SSL_set1_host(client_.get(), "localhost"), 1);
        if (resume != nullptr) {
            EXPECT_EQ(SSL_set_session(client_.get(), resume), 1);
        }
    }

    // Steps both sides until both are done (true) or either fails for good (false).
    bool handshake() {
        for (int round = 0; round < 50; ++round) {
            const int c = SSL_do_handshake(client_.get());
            if (c != 1 && !want_io(client_.get(), c, client_error_)) {
                return finish_failed();
            }
            const int s = SSL_do_handshake(server_.get());
            if (s != 1 && !want_io(server_.get(), s, server_error_)) {
                // Let the client read the server's alert, as it would on a socket. (Both
                // sides share this thread's error queue, so empty it in between.)
                ERR_clear_error();
                const int after = SSL_do_handshake(client_.get());
                if (after != 1) {
                    want_io(client_.get(), after, client_error_);
                }
                return finish_failed();
            }
            if (c == 1 && s == 1) {
                return true;
            }
        }
        ADD_FAILURE() << "handshake did not finish";
        return finish_failed();
    }

    // After a TLS 1.3 handshake: reads the server's session tickets, which follow it.
    void read_tickets() {
        char byte = 0;
        EXPECT_LE(SSL_read(client_.get(), &byte, 1), 0);
        EXPECT_EQ(SSL_get_error(client_.get(), -1), SSL_ERROR_WANT_READ);
        ERR_clear_error();
    }

    std::string alpn() const {
        const unsigned char* data = nullptr;
        unsigned len = 0;
        SSL_get0_alpn_selected(server_.get(), &data, &len);
        std::string on_server(reinterpret_cast<const char*>(data), len);
        SSL_get0_alpn_selected(client_.get(), &data, &len);
        EXPECT_EQ(on_server, std::string(reinterpret_cast<const char*>(data), len));
        return on_server;
    }

    SSL* client() const { return client_.get(); }
    SSL* server() const { return server_.get(); }
    const std::string& server_error() const { return server_error_; }
    const std::string& client_error() const { return client_error_; }

private:
    static bool want_io(SSL* ssl, int rc, std::string& error) {
        const int e = SSL_get_error(ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            return true;
        }
        const unsigned long code = ERR_peek_last_error();
        const char* reason = code ? ERR_reason_error_string(code) : nullptr;
        error = reason ? reason : "SSL error " + std::to_string(e);
        return false;
    }

    bool finish_failed() {
        ERR_clear_error();  // keep the queue clean for the next check
        return false;
    }

    ssl_ptr server_;
    ssl_ptr client_;
    std::string server_error_;
    std::string client_error_;
};

// --- loading -------------------------------------------------------------------------------

TEST(TlsContext, LoadsAnRsaPairAndServesIt) {
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    const auto client = make_client(verifying_with(fixture("rsa-cert.pem")));
    tls_pair pair(ctx->native(), client.get());
    ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
    EXPECT_EQ(SSL_get_verify_result(pair.client()), X509_V_OK);  // CN/SAN localhost
    EXPECT_STREQ(SSL_get_version(pair.server()), "TLSv1.3");
}

TEST(TlsContext, LoadsAnEcPairAndServesIt) {
    const auto ctx = load_ok({fixture("ec-cert.pem"), fixture("ec-key.pem"), ""});
    ASSERT_TRUE(ctx);
    const auto client = make_client(verifying_with(fixture("ec-cert.pem")));
    tls_pair pair(ctx->native(), client.get());
    ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
    EXPECT_EQ(SSL_get_verify_result(pair.client()), X509_V_OK);
}

TEST(TlsContext, SendsTheChainThatFollowsTheLeaf) {
    const auto ctx = load_ok({fixture("chain-cert.pem"), fixture("chain-key.pem"), ""});
    ASSERT_TRUE(ctx);
    STACK_OF(X509)* chain = nullptr;
    ASSERT_EQ(SSL_CTX_get0_chain_certs(ctx->native(), &chain), 1);
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ(sk_X509_num(chain), 1);
    const auto client = make_client(verifying_with(fixture("ca-cert.pem")));
    tls_pair pair(ctx->native(), client.get());
    ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
    EXPECT_EQ(SSL_get_verify_result(pair.client()), X509_V_OK);
    EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(pair.client())), 2);  // leaf + CA
}

TEST(TlsContext, LoadsEncryptedKeysWithTheRightPassphrase) {
    for (const char* key : {"rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"}) {
        SCOPED_TRACE(key);
        const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture(key), passphrase});
        ASSERT_TRUE(ctx);
        EXPECT_EQ(SSL_CTX_check_private_key(ctx->native()), 1);
    }
}

TEST(TlsContext, APassphraseForAPlainKeyIsNotNeededButHarmless) {
    EXPECT_TRUE(load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), passphrase}));
}

TEST(TlsContext, CertificateAndKeyInOneFile) {
    const temp_file both(read_text(fixture("rsa-cert.pem")) + read_text(fixture("rsa-key.pem")));
    EXPECT_TRUE(load_ok({both.path(), both.path(), ""}));
}

TEST(TlsContext, WrongPassphraseNamesTheVariableAndTheFile) {
    for (const char* key : {"rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"}) {
        SCOPED_TRACE(key);
        EXPECT_EQ(load_error({fixture("rsa-cert.pem"), fixture(key), "not-the-pass"}),
                  "HTTPS_KEYFILE_PASS: wrong passphrase for " + quoted(fixture(key)));
    }
}

TEST(TlsContext, EncryptedKeyWithoutPassphrase) {
    for (const char* key : {"rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"}) {
        SCOPED_TRACE(key);
        EXPECT_EQ(load_error({fixture("rsa-cert.pem"), fixture(key), ""}),
                  "HTTPS_KEYFILE_PASS: " + quoted(fixture(key)) +
                      " is encrypted and no passphrase is set");
    }
}

TEST(TlsContext, UnreadableFiles) {
    const std::string missing = fixture("no-such-file.pem");
    EXPECT_EQ(load_error({missing, fixture("rsa-key.pem"), ""}),
              "HTTPS_CERTFILE: cannot read " + quoted(missing) + ": No such file or directory");
    EXPECT_EQ(load_error({fixture("rsa-cert.pem"), missing, ""}),
              "HTTPS_KEYFILE: cannot read " + quoted(missing) + ": No such file or directory");
    const std::string dir = fixture("");
    EXPECT_EQ(load_error({dir, fixture("rsa-key.pem"), ""}),
              "HTTPS_CERTFILE: cannot read " + quoted(dir) + ": Is a directory");
}

TEST(TlsContext, FilesWithTheWrongContent) {
    EXPECT_EQ(load_error({fixture("rsa-key.pem"), fixture("rsa-key.pem"), ""}),
              "HTTPS_CERTFILE: no PEM certificate in " + quoted(fixture("rsa-key.pem")));
    EXPECT_EQ(load_error({fixture("rsa-cert.pem"), fixture("rsa-cert.pem"), ""}),
              "HTTPS_KEYFILE: no PEM private key in " + quoted(fixture("rsa-cert.pem")));
    const temp_file empty("");
    EXPECT_EQ(load_error({empty.path(), fixture("rsa-key.pem"), ""}),
              "HTTPS_CERTFILE: no PEM certificate in " + quoted(empty.path()));
}

TEST(TlsContext, CorruptPemBlocks) {
    const temp_file cert("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    EXPECT_TRUE(
        load_error({cert.path(), fixture("rsa-key.pem"), ""})
            .starts_with("HTTPS_CERTFILE: invalid certificate in " + quoted(cert.path()) + ": "));
    const temp_file key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    EXPECT_EQ(load_error({fixture("rsa-cert.pem"), key.path(), ""}),
              "HTTPS_KEYFILE: cannot decode the private key in " + quoted(key.path()));
    // A broken second certificate is reported, not silently dropped from the chain.
    const temp_file chain(read_text(fixture("rsa-cert.pem")) +
                          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    EXPECT_TRUE(load_error({chain.path(), fixture("rsa-key.pem"), ""})
                    .starts_with("HTTPS_CERTFILE: invalid chain certificate in " +
                                 quoted(chain.path()) + ": "));
}

TEST(TlsContext, KeyThatDoesNotMatchTheCertificate) {
    EXPECT_EQ(load_error({fixture("rsa-cert.pem"), fixture("other-key.pem"), ""}),
              "HTTPS_KEYFILE: the key in " + quoted(fixture("other-key.pem")) +
                  " does not match the certificate");
    // A key of another type (EC for an RSA certificate) is a mismatch too.
    EXPECT_EQ(load_error({fixture("rsa-cert.pem"), fixture("ec-key.pem"), ""}),
              "HTTPS_KEYFILE: the key in " + quoted(fixture("ec-key.pem")) +
                  " does not match the certificate");
}

// --- policy ------------------------------------------------------------------------------

TEST(TlsContext, Policy) {
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    SSL_CTX* c = ctx->native();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(c), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(c), TLS1_3_VERSION);
    const uint64_t options = SSL_CTX_get_options(c);
    EXPECT_TRUE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);
    EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
    EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
    EXPECT_FALSE(options & SSL_OP_NO_TICKET);
    const long mode = SSL_CTX_get_mode(c);
    EXPECT_TRUE(mode & SSL_MODE_RELEASE_BUFFERS);
    EXPECT_TRUE(mode & SSL_MODE_ENABLE_PARTIAL_WRITE);
    EXPECT_TRUE(mode & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Every TLS 1.2 suite on offer is ECDHE with an AEAD cipher.
    const ssl_ptr probe(SSL_new(c));
    STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(probe.get());
    ASSERT_NE(ciphers, nullptr);
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
        const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
        SCOPED_TRACE(SSL_CIPHER_get_name(cipher));
        EXPECT_TRUE(SSL_CIPHER_is_aead(cipher));
        const int kx = SSL_CIPHER_get_kx_nid(cipher);
        EXPECT_TRUE(kx == NID_kx_ecdhe || kx == NID_kx_any) << OBJ_nid2sn(kx);  // any = TLS 1.3
    }
}

TEST(TlsContext, Tls12NegotiatesAnEcdheAeadSuite) {
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    const auto client = make_client(up_to(TLS1_2_VERSION));
    tls_pair pair(ctx->native(), client.get());
    ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
    EXPECT_STREQ(SSL_get_version(pair.server()), "TLSv1.2");
    const SSL_CIPHER* cipher = SSL_get_current_cipher(pair.server());
    EXPECT_TRUE(SSL_CIPHER_is_aead(cipher)) << SSL_CIPHER_get_name(cipher);
    EXPECT_EQ(SSL_CIPHER_get_kx_nid(cipher), NID_kx_ecdhe) << SSL_CIPHER_get_name(cipher);
}

TEST(TlsContext, RefusesClientsLimitedToTls11) {
    client_options tls11 = up_to(TLS1_1_VERSION);
    tls11.any_security_level = true;
    // The control: this client does complete a TLS 1.1 handshake with a server that allows it.
    {
        ctx_ptr lax(SSL_CTX_new(TLS_server_method()));
        SSL_CTX_set_security_level(lax.get(), 0);
        ASSERT_EQ(SSL_CTX_set_cipher_list(lax.get(), "DEFAULT:@SECLEVEL=0"), 1);
        ASSERT_EQ(SSL_CTX_set_min_proto_version(lax.get(), TLS1_VERSION), 1);
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(lax.get(), fixture("rsa-cert.pem").c_str()),
                  1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(lax.get(), fixture("rsa-key.pem").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
        const auto client = make_client(tls11);
        tls_pair pair(lax.get(), client.get());
        ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
        ASSERT_STREQ(SSL_get_version(pair.server()), "TLSv1.1");
    }
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    const auto client = make_client(tls11);
    tls_pair pair(ctx->native(), client.get());
    EXPECT_FALSE(pair.handshake());
    EXPECT_EQ(pair.server_error(), "unsupported protocol");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsContext, RefusesTls12SuitesWithoutEcdheOrAead) {
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    // Plain RSA key exchange, and ECDHE with CBC: both are offered by some old clients.
    for (const char* suite : {"AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"}) {
        SCOPED_TRACE(suite);
        client_options old = up_to(TLS1_2_VERSION);
        old.tls12_ciphers = suite;
        const auto client = make_client(old);
        tls_pair pair(ctx->native(), client.get());
        EXPECT_FALSE(pair.handshake());
        EXPECT_EQ(pair.server_error(), "no shared cipher");
    }
}

TEST(TlsContext, ResumesSessionsByTicket) {
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""});
    ASSERT_TRUE(ctx);
    for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version);
        const auto client = make_client(up_to(version));
        session_ptr session;
        {
            tls_pair first(ctx->native(), client.get());
            ASSERT_TRUE(first.handshake()) << first.client_error() << " / " << first.server_error();
            if (version == TLS1_3_VERSION) {
                first.read_tickets();
            }
            session.reset(SSL_get1_session(first.client()));
            ASSERT_TRUE(session);
            EXPECT_TRUE(SSL_SESSION_has_ticket(session.get()));
            SSL_shutdown(first.client());
        }
        tls_pair second(ctx->native(), client.get(), session.get());
        ASSERT_TRUE(second.handshake()) << second.client_error() << " / " << second.server_error();
        EXPECT_EQ(SSL_session_reused(second.server()), 1);
    }
}

// --- ALPN --------------------------------------------------------------------------------

struct alpn_case {
    bool offer_h2;
    std::vector<std::string> client;
    std::string selected;  // "" = none
};

class TlsContextAlpn : public testing::TestWithParam<alpn_case> {};

TEST_P(TlsContextAlpn, ServerPicks) {
    const auto& c = GetParam();
    const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""}, c.offer_h2);
    ASSERT_TRUE(ctx);
    const auto client = make_client(offering(c.client));
    tls_pair pair(ctx->native(), client.get());
    ASSERT_TRUE(pair.handshake()) << pair.client_error() << " / " << pair.server_error();
    EXPECT_EQ(pair.alpn(), c.selected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TlsContextAlpn,
    testing::Values(alpn_case{true, {"h2", "http/1.1"}, "h2"},
                    alpn_case{true, {"http/1.1", "h2"}, "h2"},  // the server's preference wins
                    alpn_case{true, {"http/1.1"}, "http/1.1"}, alpn_case{true, {}, ""},
                    alpn_case{false, {"h2", "http/1.1"}, "http/1.1"},
                    alpn_case{false, {"http/1.1"}, "http/1.1"}, alpn_case{false, {}, ""},
                    alpn_case{true, {"spdy/3", "http/1.1"}, "http/1.1"}));

TEST(TlsContext, AlpnWithNothingInCommonIsRefused) {
    for (const bool offer_h2 : {true, false}) {
        const auto ctx = load_ok({fixture("rsa-cert.pem"), fixture("rsa-key.pem"), ""}, offer_h2);
        ASSERT_TRUE(ctx);
        const std::vector<std::string> offers =
            offer_h2 ? std::vector<std::string>{"spdy/3"} : std::vector<std::string>{"h2"};
        const auto client = make_client(offering(offers));
        tls_pair pair(ctx->native(), client.get());
        EXPECT_FALSE(pair.handshake());
        EXPECT_EQ(pair.client_error(), "tlsv1 alert no application protocol");
    }
}

// --- no prompt -----------------------------------------------------------------------------

// OpenSSL's fallback for a missing passphrase is a prompt on /dev/tty, or on stdin when there
// is no terminal. The child has no terminal and the right passphrase waiting on stdin: if
// anything prompted, the key would load.
TEST(TlsContextDeathTest, NeverPromptsForAPassphrase) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            setsid();  // no controlling terminal
            int fds[2];
            if (pipe(fds) != 0) {
                std::_Exit(3);
            }
            const std::string input = passphrase + "\n" + passphrase + "\n";
            if (write(fds[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
                std::_Exit(3);
            }
            close(fds[1]);
            dup2(fds[0], STDIN_FILENO);
            // 0: refused as asked; 1: the key loaded, so something prompted; 2: other error.
            int outcome = 0;
            for (const char* key :
                 {"rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"}) {
                auto r =
                    tls_context::load_server({fixture("rsa-cert.pem"), fixture(key), ""}, true);
                if (r) {
                    outcome = 1;
                } else if (outcome == 0 && !r.error().message.starts_with("HTTPS_KEYFILE_PASS: ")) {
                    outcome = 2;
                }
            }
            std::_Exit(outcome);
        },
        testing::ExitedWithCode(0), "");
}

}  // namespace
