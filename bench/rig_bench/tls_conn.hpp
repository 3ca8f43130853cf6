#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rig::bench {

// Outcome of one non-blocking read, write or handshake step, for plain sockets and TLS alike.
enum class io_status { ok, want_read, want_write, eof, error };

// The client-side TLS settings of one subscriber process: the ALPN protocols to offer and how
// to check the server's certificate (--insecure: not at all, for the self-signed benchmark
// certificates; otherwise against --ca-file or the system store, and the host name). Made once
// per process after fork; every tls_conn of the process borrows it.
class tls_client_context {
public:
    struct options {
        bool insecure = false;
        std::string ca_file;            // empty: the system's default trust store
        std::vector<std::string> alpn;  // offered in this order; empty: no ALPN
    };

    // nullptr (and `error` set) when OpenSSL refuses the settings.
    static std::unique_ptr<tls_client_context> create(const options& o, std::string& error);
    ~tls_client_context();
    tls_client_context(const tls_client_context&) = delete;
    tls_client_context& operator=(const tls_client_context&) = delete;

    SSL_CTX* native() const { return ctx_; }
    bool verify() const { return verify_; }

private:
    explicit tls_client_context(SSL_CTX* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
    SSL_CTX* ctx_;
    bool verify_;
};

// One client TLS connection over a non-blocking socket that the caller owns and polls: every
// call does what it can without blocking and says what it waits for. No session resumption,
// so every connection costs a full handshake (the thing `--mode connect` measures). Owned by
// its connection; single-threaded.
class tls_conn {
public:
    tls_conn(const tls_client_context& ctx, int fd, const std::string& host);
    ~tls_conn();
    tls_conn(const tls_conn&) = delete;
    tls_conn& operator=(const tls_conn&) = delete;

    io_status handshake();
    io_status read(char* buf, std::size_t cap, std::size_t& n);
    io_status write(const char* data, std::size_t len, std::size_t& n);

    // The protocol the server chose by ALPN ("" if none).
    std::string_view alpn() const;
    // Why the last call returned io_status::error.
    const std::string& error() const { return error_; }

private:
    io_status status_of(int ret);

    SSL* ssl_;
    std::string error_;
};

}  // namespace rig::bench
