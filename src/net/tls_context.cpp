#include "net/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

namespace rig::net {
namespace {

constexpr const char* cert_var = "HTTPS_CERTFILE";
constexpr const char* key_var = "HTTPS_KEYFILE";
constexpr const char* pass_var = "HTTPS_KEYFILE_PASS";

// TLS 1.2: ECDHE key exchange with AEAD ciphers only (also what RFC 9113 §9.2.2 asks of h2).
// TLS 1.3 suites are all AEAD; the groups keep its key exchange on elliptic curves too.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* key_groups = "X25519:P-256:P-384";

// ALPN protocol lists in wire format, in our order of preference.
struct alpn_list {
    const unsigned char* data;
    unsigned len;
};
constexpr std::array<unsigned char, 12> h2_and_http11_wire = {2,   'h', '2', 8,   'h', 't',
                                                              't', 'p', '/', '1', '.', '1'};
constexpr std::array<unsigned char, 9> http11_wire = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr alpn_list h2_and_http11{h2_and_http11_wire.data(), h2_and_http11_wire.size()};
constexpr alpn_list http11_only{http11_wire.data(), http11_wire.size()};

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned inlen, void* arg) {
    const auto* ours = static_cast<const alpn_list*>(arg);
    unsigned char* selected = nullptr;
    unsigned char selected_len = 0;
    if (SSL_select_next_proto(&selected, &selected_len, ours->data, ours->len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
    }
    *out = selected;
    *outlen = selected_len;
    return SSL_TLSEXT_ERR_OK;
}

struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// The OpenSSL error queue is per thread: whatever a step leaves there must not show up in an
// unrelated later call (e.g. a shard's first SSL_get_error), so every exit empties it.
struct clear_errors_on_exit {
    clear_errors_on_exit() { ERR_clear_error(); }
    ~clear_errors_on_exit() { ERR_clear_error(); }
    clear_errors_on_exit(const clear_errors_on_exit&) = delete;
    clear_errors_on_exit& operator=(const clear_errors_on_exit&) = delete;
};

// The reason of the most recent OpenSSL error, e.g. "ee key too small".
std::string openssl_reason() {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e ? ERR_reason_error_string(e) : nullptr;
    return reason ? reason : "unknown OpenSSL error";
}

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

core::error fail(const char* var, const std::string& what) {
    return core::bad_request(std::string(var) + ": " + what);
}

// A file's bytes, wiped when dropped: the key file's text is secret.
class file_text {
public:
    file_text() = default;
    ~file_text() { OPENSSL_cleanse(text_.data(), text_.size()); }
    file_text(file_text&& o) noexcept : text_(std::move(o.text_)) {}
    file_text& operator=(file_text&&) = delete;
    file_text(const file_text&) = delete;
    file_text& operator=(const file_text&) = delete;

    std::string& text() { return text_; }
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

core::result<file_text> read_file(const char* var, const std::string& path) {
    const auto cannot_read = [&](int err) {
        // (strerror is not thread-safe; the category's message is)
        return fail(var,
                    "cannot read " + quoted(path) + ": " + std::generic_category().message(err));
    };
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return cannot_read(errno);
    }
    file_text out;
    // Sized up front so the secret is never copied by a reallocation.
    struct stat st {};
    if (::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        out.text().reserve(static_cast<std::size_t>(st.st_size) + 1);
    }
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
        out.text().append(buf.data(), n);
    }
    const int err = std::ferror(f) ? errno : 0;
    OPENSSL_cleanse(buf.data(), buf.size());
    std::fclose(f);
    if (err != 0) {
        return cannot_read(err);  // e.g. a directory
    }
    if (out.text().size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return fail(var, quoted(path) + " is too large for a PEM file");
    }
    return out;
}

bio_ptr memory_bio(const file_text& f) {
    return bio_ptr(BIO_new_mem_buf(f.text().data(), static_cast<int>(f.text().size())));
}

bool is_no_start_line(unsigned long e) {
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

// For PEM blocks that are never encrypted: OpenSSL must not fall back to a terminal prompt.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

// Hands OpenSSL the configured passphrase and records that the key asked for one, which is
// how an encrypted key is told apart from one OpenSSL cannot parse (its decoder reports both
// as "unsupported").
struct passphrase_request {
    const std::string& passphrase;
    bool asked = false;
    bool too_long = false;
};

int supply_passphrase(char* buf, int size, int /*rwflag*/, void* arg) {
    auto* req = static_cast<passphrase_request*>(arg);
    req->asked = true;
    if (req->passphrase.empty()) {
        return -1;
    }
    if (size < 0 || req->passphrase.size() > static_cast<std::size_t>(size)) {
        req->too_long = true;
        return -1;
    }
    std::copy(req->passphrase.begin(), req->passphrase.end(), buf);  // no NUL needed
    return static_cast<int>(req->passphrase.size());
}

// Leaf first, then any intermediates, as SSL_CTX_use_certificate_chain_file reads them.
std::optional<core::error> use_certificate_chain(SSL_CTX* ctx, const std::string& path,
                                                 X509*& leaf_out) {
    auto text = read_file(cert_var, path);
    if (!text) {
        return text.error();
    }
    const bio_ptr bio = memory_bio(*text);
    x509_ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr));
    if (!leaf) {
        if (is_no_start_line(ERR_peek_last_error())) {
            return fail(cert_var, "no PEM certificate in " + quoted(path));
        }
        return fail(cert_var, "invalid certificate in " + quoted(path) + ": " + openssl_reason());
    }
    if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
        return fail(cert_var,
                    "cannot use the certificate in " + quoted(path) + ": " + openssl_reason());
    }
    for (;;) {
        x509_ptr next(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
        if (!next) {
            if (is_no_start_line(ERR_peek_last_error())) {
                ERR_clear_error();  // the normal end of the file
                break;
            }
            return fail(cert_var,
                        "invalid chain certificate in " + quoted(path) + ": " + openssl_reason());
        }
        if (SSL_CTX_add0_chain_cert(ctx, next.get()) != 1) {
            return fail(cert_var, "cannot use the chain certificate in " + quoted(path) + ": " +
                                      openssl_reason());
        }
        static_cast<void>(next.release());  // owned by ctx now
    }
    leaf_out = SSL_CTX_get0_certificate(ctx);
    return std::nullopt;
}

bool has_pem_private_key_label(std::string_view text) {
    // "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", ...
    for (auto pos = text.find("-----BEGIN "); pos != std::string_view::npos;
         pos = text.find("-----BEGIN ", pos + 1)) {
        const auto end = text.find("-----", pos + 11);
        if (end != std::string_view::npos &&
            text.substr(pos + 11, end - pos - 11).ends_with("PRIVATE KEY")) {
            return true;
        }
    }
    return false;
}

std::optional<core::error> use_private_key(SSL_CTX* ctx, X509* leaf, const tls_files& files) {
    const std::string& path = files.key_file;
    auto text = read_file(key_var, path);
    if (!text) {
        return text.error();
    }
    const bio_ptr bio = memory_bio(*text);
    passphrase_request req{files.key_passphrase};
    const pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, supply_passphrase, &req));
    if (!key) {
        if (req.asked && files.key_passphrase.empty()) {
            return fail(pass_var, quoted(path) + " is encrypted and no passphrase is set");
        }
        if (req.too_long) {
            return fail(pass_var, "longer than OpenSSL accepts for " + quoted(path));
        }
        if (req.asked) {
            return fail(pass_var, "wrong passphrase for " + quoted(path));
        }
        if (!has_pem_private_key_label(text->text())) {
            return fail(key_var, "no PEM private key in " + quoted(path));
        }
        return fail(key_var, "cannot decode the private key in " + quoted(path));
    }
    if (X509_check_private_key(leaf, key.get()) != 1) {
        return fail(key_var, "the key in " + quoted(path) + " does not match the certificate");
    }
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        return fail(key_var, "cannot use the key in " + quoted(path) + ": " + openssl_reason());
    }
    return std::nullopt;
}

std::optional<core::error> apply_policy(SSL_CTX* ctx, bool offer_h2) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 ||
        SSL_CTX_set1_groups_list(ctx, key_groups) != 1) {
        return fail(cert_var, "cannot configure TLS: " + openssl_reason());
    }
    SSL_CTX_set_options(
        ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    // Tickets carry the session to the client; a server-side cache would be one more
    // lock shared by every shard and memory held for clients that never come back.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // The list is static: the callback never depends on this object's lifetime.
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn,
                               const_cast<alpn_list*>(offer_h2 ? &h2_and_http11 : &http11_only));
    return std::nullopt;
}

}  // namespace

core::result<std::shared_ptr<const tls_context>> tls_context::load_server(const tls_files& files,
                                                                          bool offer_h2) {
    const clear_errors_on_exit clear_errors;
    ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        return fail(cert_var, "cannot create a TLS context: " + openssl_reason());
    }
    // Nothing below may ask a terminal for a passphrase.
    SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
    if (auto e = apply_policy(ctx.get(), offer_h2)) {
        return std::move(*e);
    }
    X509* leaf = nullptr;
    if (auto e = use_certificate_chain(ctx.get(), files.cert_file, leaf)) {
        return std::move(*e);
    }
    if (auto e = use_private_key(ctx.get(), leaf, files)) {
        return std::move(*e);
    }
    return std::shared_ptr<const tls_context>(new tls_context(ctx.release()));
}

tls_context::~tls_context() {
    SSL_CTX_free(ctx_);
}

}  // namespace rig::net
