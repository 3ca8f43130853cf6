#include "net/byte_stream.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>

namespace rig::net {
namespace {

// One TLS record's worth of plaintext: what a gathered write hands OpenSSL at a time.
constexpr std::size_t tls_chunk = std::size_t{16} * 1024;

// The outcome of a failed OpenSSL call on a non-blocking socket.
byte_stream::want tls_failure(ssl_st* ssl, int rc, error_code& ec) {
    const int err = SSL_get_error(ssl, rc);
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return byte_stream::want::read;
        case SSL_ERROR_WANT_WRITE:
            return byte_stream::want::write;
        case SSL_ERROR_ZERO_RETURN:
            ec = asio::error::eof;
            break;
        case SSL_ERROR_SYSCALL:
            // errno 0: the peer closed without close_notify (tolerated, see the constructor).
            ec = errno != 0 ? error_code(errno, boost::system::system_category())
                            : error_code(asio::error::eof);
            break;
        default: {
            const unsigned long e = ERR_peek_last_error();
            ec = e != 0 ? error_code(static_cast<int>(e), asio::error::get_ssl_category())
                        : error_code(asio::error::connection_reset);
            break;
        }
    }
    ERR_clear_error();
    return byte_stream::want::nothing;
}

}  // namespace

byte_stream::byte_stream(tcp::socket socket, bool non_blocking) : socket_(std::move(socket)) {
    // Reads and writes are the system calls themselves (recv, sendmsg), never Asio's
    // synchronous operations, so only the descriptor's own flag matters.
    if (!non_blocking) {
        const int fd = socket_.native_handle();
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

byte_stream::byte_stream(tcp::socket socket, ssl_ctx_st* tls, bool non_blocking)
    : byte_stream(std::move(socket), non_blocking) {
    ssl_ = SSL_new(tls);
    if (ssl_ != nullptr) {
        SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
        SSL_set_accept_state(ssl_);
        // A client that just closes its socket (browsers do) ends the stream normally.
        SSL_set_options(ssl_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    }
}

byte_stream::~byte_stream() {
    if (ssl_ != nullptr) {
        SSL_free(ssl_);
    }
    if (budget_ != nullptr) {
        budget_->give_back();
    }
}

std::string_view byte_stream::alpn() const {
    if (ssl_ == nullptr) {
        return {};
    }
    const unsigned char* data = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl_, &data, &len);
    return {reinterpret_cast<const char*>(data), len};
}

bool byte_stream::tls_has_buffered() const {
    return ssl_ != nullptr && SSL_has_pending(ssl_) == 1;
}

byte_stream::want byte_stream::read_now(asio::mutable_buffer b, std::size_t& n, error_code& ec) {
    n = 0;
    if (ssl_ == nullptr) {
        const ssize_t r = ::recv(socket_.native_handle(), b.data(), b.size(), 0);
        if (r > 0) {
            n = static_cast<std::size_t>(r);
            return want::nothing;
        }
        if (r == 0) {
            ec = asio::error::eof;
            return want::nothing;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return want::read;
        }
        ec = error_code(errno, boost::system::system_category());
        return want::nothing;
    }
    if (!socket_.is_open()) {
        ec = asio::error::bad_descriptor;
        return want::nothing;
    }
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_read_ex(ssl_, b.data(), b.size(), &n);
    if (rc == 1) {
        return want::nothing;
    }
    n = 0;
    return tls_failure(ssl_, rc, ec);
}

byte_stream::want byte_stream::write_now(const asio::const_buffer* bufs, std::size_t count,
                                         std::size_t& n, std::size_t& retry, error_code& ec) {
    n = 0;
    if (ssl_ == nullptr) {
        // Not zeroed: entries are written before use, and this runs for every socket write.
        std::array<iovec, 64> iov;  // NOLINT(cppcoreguidelines-pro-type-member-init)
        const std::size_t k = std::min(count, iov.size());
        for (std::size_t i = 0; i < k; ++i) {
            iov[i] = {const_cast<void*>(bufs[i].data()), bufs[i].size()};
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = k;
        const ssize_t r = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
        if (r >= 0) {
            n = static_cast<std::size_t>(r);
            return want::nothing;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return want::write;
        }
        ec = error_code(errno, boost::system::system_category());
        return want::nothing;
    }
    if (!socket_.is_open()) {
        ec = asio::error::bad_descriptor;
        return want::nothing;
    }
    // Coalesce a prefix into one record's worth. A retry must offer OpenSSL the same bytes
    // again: the buffers are unchanged until this write completes, so refill the same prefix.
    const std::size_t limit = retry != 0 ? retry : tls_chunk;
    const void* data = nullptr;
    std::size_t len = 0;
    if (count == 1 || bufs[0].size() >= limit) {
        data = bufs[0].data();  // one buffer covers the whole write: no copy
        len = std::min(bufs[0].size(), limit);
    } else {
        thread_local std::array<unsigned char, tls_chunk> scratch{};
        for (std::size_t i = 0; i < count && len < limit; ++i) {
            const std::size_t take = std::min(bufs[i].size(), limit - len);
            std::memcpy(scratch.data() + len, bufs[i].data(), take);
            len += take;
        }
        data = scratch.data();
    }
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_write_ex(ssl_, data, len, &n);
    if (rc == 1) {
        retry = 0;
        return want::nothing;
    }
    n = 0;
    const want w = tls_failure(ssl_, rc, ec);
    retry = w == want::nothing ? 0 : len;
    return w;
}

byte_stream::want byte_stream::handshake_now(error_code& ec) {
    if (ssl_ == nullptr) {
        return want::nothing;
    }
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        return want::nothing;
    }
    const want w = tls_failure(ssl_, rc, ec);
    if (w == want::nothing && !ec) {
        ec = asio::error::connection_reset;
    }
    return w;
}

void byte_stream::shutdown_send() {
    error_code ignored;
    if (ssl_ != nullptr && socket_.is_open() && SSL_is_init_finished(ssl_) == 1) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // queues close_notify; a full socket buffer just drops it
        ERR_clear_error();
    }
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void byte_stream::cancel() {
    error_code ignored;
    socket_.cancel(ignored);
}

void byte_stream::close() {
    error_code ignored;
    socket_.close(ignored);
}

}  // namespace rig::net
