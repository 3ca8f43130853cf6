#include "tls_conn.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

namespace rig::bench {
namespace {

std::string openssl_error() {
    std::string text;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        text += text.empty() ? "" : "; ";
        text += buf;
    }
    return text.empty() ? "unknown TLS error" : text;
}

}  // namespace

std::unique_ptr<tls_client_context> tls_client_context::create(const options& o,
                                                               std::string& error) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) {
        error = openssl_error();
        return nullptr;
    }
    std::unique_ptr<tls_client_context> self(new tls_client_context(ctx, !o.insecure));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // Partial writes and moving buffers suit the poll loop; released buffers keep 10,000 idle
    // connections from holding 10,000 read buffers in the load tool.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    // A server that closes without close_notify ends the stream like a plain EOF.
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (o.insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        const int ok = o.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx)
                           : SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr);
        if (ok != 1) {
            error = "cannot load CA certificates: " + openssl_error();
            return nullptr;
        }
    }
    if (!o.alpn.empty()) {
        std::string wire;  // length-prefixed protocol names
        for (const auto& p : o.alpn) {
            wire += static_cast<char>(p.size());
            wire += p;
        }
        if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) != 0) {
            error = "cannot set ALPN: " + openssl_error();
            return nullptr;
        }
    }
    return self;
}

tls_client_context::~tls_client_context() {
    SSL_CTX_free(ctx_);
}

tls_conn::tls_conn(const tls_client_context& ctx, int fd, const std::string& host)
    : ssl_(SSL_new(ctx.native())) {
    SSL_set_fd(ssl_, fd);
    SSL_set_connect_state(ssl_);
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    if (ctx.verify()) {
        SSL_set1_host(ssl_, host.c_str());
    }
}

tls_conn::~tls_conn() {
    SSL_free(ssl_);
}

io_status tls_conn::status_of(int ret) {
    const int e = SSL_get_error(ssl_, ret);
    switch (e) {
        case SSL_ERROR_WANT_READ:
            return io_status::want_read;
        case SSL_ERROR_WANT_WRITE:
            return io_status::want_write;
        case SSL_ERROR_ZERO_RETURN:
            return io_status::eof;
        case SSL_ERROR_SYSCALL:
            if (ERR_peek_error() == 0) {
                // EOF without close_notify, or a socket error.
                error_ = errno != 0 ? std::strerror(errno) : "connection closed";
                return errno != 0 ? io_status::error : io_status::eof;
            }
            [[fallthrough]];
        default:
            error_ = openssl_error();
            if (SSL_get_verify_result(ssl_) != X509_V_OK) {
                error_ += std::string(" (certificate: ") +
                          X509_verify_cert_error_string(SSL_get_verify_result(ssl_)) +
                          "; --insecure accepts any)";
            }
            return io_status::error;
    }
}

io_status tls_conn::handshake() {
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_do_handshake(ssl_);
    return ret == 1 ? io_status::ok : status_of(ret);
}

io_status tls_conn::read(char* buf, std::size_t cap, std::size_t& n) {
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_read_ex(ssl_, buf, cap, &n);
    return ret == 1 ? io_status::ok : status_of(ret);
}

io_status tls_conn::write(const char* data, std::size_t len, std::size_t& n) {
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_write_ex(ssl_, data, len, &n);
    return ret == 1 ? io_status::ok : status_of(ret);
}

std::string_view tls_conn::alpn() const {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

}  // namespace rig::bench
