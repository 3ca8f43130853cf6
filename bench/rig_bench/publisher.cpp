#include "publisher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>

namespace rig::bench {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

publisher::publisher(url target, std::string content_type, std::string body_template,
                     std::size_t pad, std::size_t window, std::size_t batch)
    : target_(std::move(target)),
      content_type_(std::move(content_type)),
      body_template_(std::move(body_template)),
      pad_(pad, 'x'),
      window_(std::max<std::size_t>(1, window)),
      batch_(std::max<std::size_t>(1, batch)) {}

std::string publisher::event(uint64_t seq) const {
    std::string body = fill(body_template_, "seq", std::to_string(seq));
    body = fill(std::move(body), "pad", pad_);
    return fill(std::move(body), "ts", std::to_string(monotonic_ns()));
}

std::string publisher::first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
}

publisher::~publisher() {
    if (fd_ >= 0) {
        ::shutdown(fd_, SHUT_RDWR);
    }
    if (reader_.joinable()) {
        reader_.join();
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool publisher::connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(target_.port);
    inet_pton(AF_INET, target_.host.c_str(), &dst.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
        ::close(fd_);
        fd_ = -1;
        return false;
    }
    in_.clear();
    broken_ = false;
    reader_ = std::thread([this] { read_responses(); });
    return true;
}

bool publisher::start() {
    return connect();
}

bool publisher::send(uint64_t seq) {
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] {
            return broken_ ? outstanding_ == 0
                           : outstanding_ < (single_request_ ? std::size_t{1} : window_);
        });
        if (broken_ || (single_request_ && fd_ < 0)) {
            lock.unlock();
            if (reader_.joinable()) {
                reader_.join();
            }
            if (fd_ >= 0) {
                ::close(fd_);
                fd_ = -1;
            }
            if (!connect()) {
                return false;
            }
            lock.lock();
        }
        ++outstanding_;
    }
    std::string body;
    if (batch_ == 1) {
        body = event(seq);
    } else {
        body = "[";
        for (std::size_t i = 0; i < batch_; ++i) {
            body += i ? "," : "";
            body += event(seq + i);
        }
        body += "]";
    }
    std::string req = "POST " + target_.target + " HTTP/1.1\r\nHost: " + target_.host + ":" +
                      std::to_string(target_.port) + "\r\nContent-Type: " + content_type_ +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t off = 0;
    while (off < req.size()) {
        const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            std::lock_guard lock(mutex_);
            broken_ = true;
            changed_.notify_all();
            return true;  // counted as failed when the reader gives up on it
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

void publisher::wait_idle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return broken_ || outstanding_ == 0; });
}

void publisher::read_responses() {
    for (;;) {
        int status = -1;
        bool close_after = false;
        std::string body;
        const bool ok = read_response(status, close_after, body);
        std::lock_guard lock(mutex_);
        if (!ok) {
            // Requests still outstanding on a dead connection are lost.
            if (first_error_.empty() && outstanding_ > 0) {
                first_error_ = "the connection closed with " + std::to_string(outstanding_) +
                               " requests unanswered";
            }
            failed_ += outstanding_;
            outstanding_ = 0;
            broken_ = true;
            changed_.notify_all();
            return;
        }
        if (status >= 200 && status < 300) {
            ++ok_;
        } else {
            ++failed_;
            if (first_error_.empty()) {
                first_error_ = std::to_string(status) + " " + body.substr(0, 300);
            }
        }
        if (outstanding_ > 0) {
            --outstanding_;
        }
        if (close_after) {
            single_request_ = true;
            failed_ += outstanding_;
            outstanding_ = 0;
            broken_ = true;
            changed_.notify_all();
            return;
        }
        changed_.notify_all();
    }
}

bool publisher::read_response(int& status, bool& close_after, std::string& body) {
    char buf[65536];
    const auto fill_more = [&] {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            return false;
        }
        in_.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill_more()) {
            return false;
        }
    }
    std::string head = in_.substr(0, end);
    in_.erase(0, end + 4);
    if (head.size() < 12) {
        return false;
    }
    std::from_chars(head.data() + 9, head.data() + 12, status);
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    close_after = head.find("connection: close") != std::string::npos;
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
        for (;;) {
            std::size_t eol;
            while ((eol = in_.find("\r\n")) == std::string::npos) {
                if (!fill_more()) {
                    return false;
                }
            }
            std::size_t size = 0;
            std::from_chars(in_.data(), in_.data() + eol, size, 16);
            while (in_.size() < eol + 2 + size + 2) {
                if (!fill_more()) {
                    return false;
                }
            }
            if (status >= 300) {
                body.append(in_, eol + 2, size);
            }
            in_.erase(0, eol + 2 + size + 2);
            if (size == 0) {
                return true;
            }
        }
    }
    std::size_t length = 0;
    if (const auto p = head.find("content-length:"); p != std::string::npos) {
        std::size_t q = p + 15;
        while (q < head.size() && head[q] == ' ') {
            ++q;
        }
        std::from_chars(head.data() + q, head.data() + head.size(), length);
    }
    while (in_.size() < length) {
        if (!fill_more()) {
            return false;
        }
    }
    if (status >= 300) {
        body.assign(in_, 0, length);
    }
    in_.erase(0, length);
    return true;
}

}  // namespace rig::bench
