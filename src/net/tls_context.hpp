#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"

// OpenSSL's SSL_CTX; its headers stay inside tls_context.cpp.
struct ssl_ctx_st;

namespace rig::net {

// Where the node's certificate and key come from (HTTPS_CERTFILE, HTTPS_KEYFILE,
// HTTPS_KEYFILE_PASS). Relative paths are relative to the working directory.
struct tls_files {
    std::string cert_file;       // PEM, certificate chain (leaf first)
    std::string key_file;        // PEM private key, possibly encrypted
    std::string key_passphrase;  // empty = none
};

// The OpenSSL server context every TLS listener of the node shares: certificate chain and key,
// TLS 1.2 and 1.3 only, AEAD ciphers with ECDHE key exchange, server cipher preference, no
// renegotiation, no compression, session tickets (no server-side session cache, so no lock
// shared by the shards and no memory per past session), SSL_MODE_RELEASE_BUFFERS (idle
// connections keep no record buffers) and partial, moving-buffer writes for non-blocking
// sockets. ALPN: "h2" when `offer_h2` and the client offers it, else "http/1.1"; no ALPN when
// the client sends none; a client offering only protocols we do not speak gets a fatal
// no_application_protocol alert (RFC 7301 §3.2).
//
// Loaded once at start-up by config (shared_ptr so every listener holds it); immutable after
// load_server, so SSL objects made from native() may be created and used on any shard.
class tls_context {
public:
    // Reads and checks the files. Errors (condition bad_request) are one line naming the
    // variable and the file, e.g. `HTTPS_KEYFILE_PASS: wrong passphrase for "/x/key.pem"`.
    // OpenSSL never prompts for a passphrase, and its error queue is left empty.
    static core::result<std::shared_ptr<const tls_context>> load_server(const tls_files& files,
                                                                        bool offer_h2);

    ssl_ctx_st* native() const { return ctx_; }

    ~tls_context();
    tls_context(const tls_context&) = delete;
    tls_context& operator=(const tls_context&) = delete;

private:
    explicit tls_context(ssl_ctx_st* ctx) : ctx_(ctx) {}

    ssl_ctx_st* ctx_;  // owned
};

}  // namespace rig::net
