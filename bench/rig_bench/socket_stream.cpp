#include "socket_stream.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rig::bench {

socket_stream::~socket_stream() {
    tls_.reset();  // before the socket goes
    ::close(fd_);
}

void socket_stream::start_tls(const tls_client_context& ctx, const std::string& host) {
    tls_ = std::make_unique<tls_conn>(ctx, fd_, host);
}

io_status socket_stream::read(char* buf, std::size_t cap, std::size_t& n) {
    if (tls_) {
        return tls_->read(buf, cap, n);
    }
    for (;;) {
        const ssize_t r = ::recv(fd_, buf, cap, 0);
        if (r > 0) {
            n = static_cast<std::size_t>(r);
            return io_status::ok;
        }
        n = 0;
        if (r == 0) {
            return io_status::eof;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return io_status::want_read;
        }
        errno_ = errno;
        return io_status::error;
    }
}

io_status socket_stream::write(const char* data, std::size_t len, std::size_t& n) {
    if (tls_) {
        return tls_->write(data, len, n);
    }
    for (;;) {
        const ssize_t r = ::send(fd_, data, len, MSG_NOSIGNAL);
        if (r >= 0) {
            n = static_cast<std::size_t>(r);
            return io_status::ok;
        }
        n = 0;
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return io_status::want_write;
        }
        errno_ = errno;
        return io_status::error;
    }
}

std::string socket_stream::error() const {
    return tls_ ? tls_->error() : std::string(std::strerror(errno_));
}

}  // namespace rig::bench
