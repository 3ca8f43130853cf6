#include "net/fd_reserve.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace rig::net {

fd_reserve::fd_reserve(std::size_t size) : size_(size) {
    fds_.reserve(size);
    refill();
}

fd_reserve::~fd_reserve() {
    for (const int fd : fds_) {
        ::close(fd);
    }
}

std::size_t fd_reserve::release(std::size_t n) {
    const std::lock_guard lock(mutex_);
    std::size_t closed = 0;
    while (closed < n && !fds_.empty()) {
        ::close(fds_.back());
        fds_.pop_back();
        ++closed;
    }
    held_.store(fds_.size(), std::memory_order_relaxed);
    return closed;
}

void fd_reserve::refill() {
    if (held_.load(std::memory_order_relaxed) >= size_) {
        return;
    }
    const std::lock_guard lock(mutex_);
    while (fds_.size() < size_) {
        const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            break;
        }
        fds_.push_back(fd);
    }
    held_.store(fds_.size(), std::memory_order_relaxed);
}

}  // namespace rig::net
