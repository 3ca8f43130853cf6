#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tls_conn.hpp"

namespace rig::bench {

// A connected non-blocking TCP socket, in the clear or with TLS on top: one read/write
// interface for the subscriber worker's poll loop, so the HTTP/1.1, WebSocket and HTTP/2
// sessions above do not care which. Owns the socket (closed by the destructor). Owned by its
// connection; single-threaded.
class socket_stream {
public:
    explicit socket_stream(int fd) : fd_(fd) {}
    ~socket_stream();
    socket_stream(const socket_stream&) = delete;
    socket_stream& operator=(const socket_stream&) = delete;

    int fd() const { return fd_; }

    // Starts TLS on the connected socket; handshake() then drives it.
    void start_tls(const tls_client_context& ctx, const std::string& host);
    bool is_tls() const { return tls_ != nullptr; }
    // io_status::ok once the handshake is done (at once without TLS).
    io_status handshake() { return tls_ ? tls_->handshake() : io_status::ok; }
    std::string_view alpn() const { return tls_ ? tls_->alpn() : std::string_view(); }

    io_status read(char* buf, std::size_t cap, std::size_t& n);
    io_status write(const char* data, std::size_t len, std::size_t& n);
    // Why the last call returned io_status::error.
    std::string error() const;

private:
    int fd_;
    int errno_ = 0;
    std::unique_ptr<tls_conn> tls_;
};

}  // namespace rig::bench
