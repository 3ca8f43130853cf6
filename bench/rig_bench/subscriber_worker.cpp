#include "subscriber_worker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>
#include <vector>

#include "histogram.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace rig::bench {
namespace {

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// Finds `"key":<digits>` in text.
bool find_number(std::string_view text, std::string_view key, uint64_t& out) {
    const auto pos = text.find(key);
    if (pos == std::string_view::npos) {
        return false;
    }
    const char* p = text.data() + pos + key.size();
    const char* end = text.data() + text.size();
    while (p < end && (*p == ' ' || *p == '"')) {
        ++p;
    }
    return std::from_chars(p, end, out).ec == std::errc{};
}

enum class phase { connecting, sending, head, body, closed };

struct connection {
    int fd = -1;
    phase state = phase::connecting;
    std::string out;
    std::size_t out_sent = 0;
    std::string in;    // raw bytes not yet consumed
    std::string text;  // de-chunked SSE text not yet split into messages
    bool chunked = false;
    bool websocket = false;
    std::size_t chunk_left = 0;
    bool in_chunk_data = false;
    int64_t last_seq = -1;
};

struct worker {
    const worker_config& cfg;
    int ep = -1;
    std::vector<std::unique_ptr<connection>> conns;
    std::size_t started = 0, connected = 0, ready = 0, closed = 0, errors = 0, connecting = 0;
    uint64_t delivered = 0, out_of_order = 0;
    uint64_t first_ready_ns = 0, last_ready_ns = 0;
    histogram hist;
    std::string request;
    std::string control_buf;
    bool stopping = false;

    explicit worker(const worker_config& c) : cfg(c) {
        request = "GET " + cfg.target.target + " HTTP/1.1\r\nHost: " + cfg.target.host + ":" +
                  std::to_string(cfg.target.port) + "\r\n";
        if (cfg.target.websocket) {
            request +=
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        } else {
            request += "Accept: text/event-stream\r\n";
        }
        request += "\r\n";
    }

    void emit(const std::string& line) {
        const std::string l = line + "\n";
        std::size_t off = 0;
        while (off < l.size()) {
            const ssize_t n = ::write(cfg.report_fd, l.data() + off, l.size() - off);
            if (n <= 0) {
                if (errno == EINTR) {
                    continue;
                }
                return;
            }
            off += static_cast<std::size_t>(n);
        }
    }

    void open_one() {
        auto c = std::make_unique<connection>();
        c->websocket = cfg.target.websocket;
        c->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            ++errors;
            ++started;
            return;
        }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!cfg.source_address.empty()) {
            // Let the 4-tuple pick the port, so every source address has its own port range.
            setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            sockaddr_in src{};
            src.sin_family = AF_INET;
            inet_pton(AF_INET, cfg.source_address.c_str(), &src.sin_addr);
            if (::bind(c->fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
                ::close(c->fd);
                ++errors;
                ++started;
                return;
            }
        }
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_port = htons(cfg.target.port);
        inet_pton(AF_INET, cfg.target.host.c_str(), &dst.sin_addr);
        const int rc = ::connect(c->fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
        if (rc != 0 && errno != EINPROGRESS) {
            ::close(c->fd);
            ++errors;
            ++started;
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c.get();
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        c->out = request;
        ++connecting;
        ++started;
        conns.push_back(std::move(c));
    }

    void close_conn(connection& c, bool error) {
        if (c.state == phase::closed) {
            return;
        }
        if (c.state == phase::connecting) {
            --connecting;
        }
        c.state = phase::closed;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        ++closed;
        if (error) {
            ++errors;
        }
    }

    void on_message(connection& c, std::string_view payload) {
        uint64_t seq = 0, ts = 0;
        if (!find_number(payload, "\"seq\":", seq) || !find_number(payload, "\"ts\":", ts)) {
            return;  // rig's own events, comments, keep-alives
        }
        ++delivered;
        const uint64_t now = now_ns();
        hist.record_us(now > ts ? (now - ts) / 1000 : 0);
        if (static_cast<int64_t>(seq) <= c.last_seq) {
            ++out_of_order;
        } else {
            c.last_seq = static_cast<int64_t>(seq);
        }
    }

    void mark_ready(connection& c) {
        (void)c;
        ++ready;
        const uint64_t t = now_ns();
        if (first_ready_ns == 0) {
            first_ready_ns = t;
        }
        last_ready_ns = t;
    }

    // Splits de-chunked SSE text into messages.
    void consume_sse_text(connection& c) {
        std::size_t start = 0;
        for (;;) {
            const auto end = c.text.find("\n\n", start);
            if (end == std::string::npos) {
                break;
            }
            on_message(c, std::string_view(c.text).substr(start, end - start));
            start = end + 2;
        }
        c.text.erase(0, start);
    }

    void consume_body(connection& c) {
        if (c.websocket) {
            consume_ws(c);
            return;
        }
        if (!c.chunked) {
            c.text += c.in;
            c.in.clear();
            consume_sse_text(c);
            return;
        }
        std::size_t pos = 0;
        for (;;) {
            if (!c.in_chunk_data) {
                const auto eol = c.in.find("\r\n", pos);
                if (eol == std::string::npos) {
                    break;
                }
                std::size_t size = 0;
                std::from_chars(c.in.data() + pos, c.in.data() + eol, size, 16);
                pos = eol + 2;
                if (size == 0) {
                    close_conn(c, false);
                    return;
                }
                c.chunk_left = size + 2;  // data + CRLF
                c.in_chunk_data = true;
            }
            const std::size_t avail = std::min(c.chunk_left, c.in.size() - pos);
            if (avail == 0) {
                break;
            }
            // Append the data part (the trailing CRLF is skipped).
            const std::size_t data_left = c.chunk_left > 2 ? c.chunk_left - 2 : 0;
            c.text.append(c.in, pos, std::min(avail, data_left));
            c.chunk_left -= avail;
            pos += avail;
            if (c.chunk_left == 0) {
                c.in_chunk_data = false;
            }
        }
        c.in.erase(0, pos);
        consume_sse_text(c);
    }

    void send_pong(connection& c, std::string_view payload) {
        std::string frame;
        frame += static_cast<char>(0x8A);
        frame += static_cast<char>(0x80 | payload.size());
        frame.append("\0\0\0\0", 4);  // zero mask: payload unchanged
        frame += payload;
        ssize_t n = ::send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL);
        (void)n;
    }

    void consume_ws(connection& c) {
        std::size_t pos = 0;
        for (;;) {
            if (c.in.size() - pos < 2) {
                break;
            }
            const auto b0 = static_cast<unsigned char>(c.in[pos]);
            const auto b1 = static_cast<unsigned char>(c.in[pos + 1]);
            std::size_t header = 2;
            uint64_t len = b1 & 0x7f;
            if (len == 126) {
                if (c.in.size() - pos < 4) {
                    break;
                }
                len = (static_cast<uint64_t>(static_cast<unsigned char>(c.in[pos + 2])) << 8) |
                      static_cast<unsigned char>(c.in[pos + 3]);
                header = 4;
            } else if (len == 127) {
                if (c.in.size() - pos < 10) {
                    break;
                }
                len = 0;
                for (int i = 0; i < 8; ++i) {
                    len = (len << 8) |
                          static_cast<unsigned char>(c.in[pos + 2 + static_cast<std::size_t>(i)]);
                }
                header = 10;
            }
            if (c.in.size() - pos < header + len) {
                break;
            }
            const std::string_view payload(c.in.data() + pos + header, len);
            const int opcode = b0 & 0x0f;
            if (opcode == 0x1 || opcode == 0x2) {
                on_message(c, payload);
            } else if (opcode == 0x9) {
                send_pong(c, payload);
            } else if (opcode == 0x8) {
                close_conn(c, false);
                return;
            }
            pos += header + len;
        }
        c.in.erase(0, pos);
    }

    void on_readable(connection& c) {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
            if (n > 0) {
                c.in.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0) {
                close_conn(c, c.state != phase::body);
                return;
            }
            if (errno == EAGAIN || errno == EINTR) {
                break;
            }
            close_conn(c, true);
            return;
        }
        if (c.state == phase::head) {
            const auto end = c.in.find("\r\n\r\n");
            if (end == std::string::npos) {
                return;
            }
            const std::string head = c.in.substr(0, end);
            c.in.erase(0, end + 4);
            const bool ok = head.rfind(c.websocket ? "HTTP/1.1 101" : "HTTP/1.1 200", 0) == 0;
            if (!ok) {
                close_conn(c, true);
                return;
            }
            std::string lower = head;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            c.chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
            c.state = phase::body;
            mark_ready(c);
        }
        if (c.state == phase::body) {
            consume_body(c);
        }
    }

    void on_writable(connection& c) {
        if (c.state == phase::connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            --connecting;
            c.state = phase::sending;
            if (err != 0) {
                close_conn(c, true);
                return;
            }
            ++connected;
        }
        if (c.state == phase::sending) {
            while (c.out_sent < c.out.size()) {
                const ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                                         MSG_NOSIGNAL);
                if (n < 0) {
                    if (errno == EAGAIN) {
                        return;
                    }
                    close_conn(c, true);
                    return;
                }
                c.out_sent += static_cast<std::size_t>(n);
            }
            std::string().swap(c.out);
            c.state = phase::head;
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.ptr = &c;
            epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
    }

    void on_control() {
        char buf[256];
        const ssize_t n = ::read(cfg.control_fd, buf, sizeof buf);
        if (n <= 0) {
            stopping = true;
            return;
        }
        control_buf.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = control_buf.find('\n')) != std::string::npos) {
            const std::string cmd = control_buf.substr(0, nl);
            control_buf.erase(0, nl + 1);
            if (cmd == "reset") {
                delivered = 0;
                out_of_order = 0;
                hist = histogram();
            } else if (cmd == "report") {
                char line[200];
                std::snprintf(line, sizeof line, "report %zu %llu %llu %llu %llu ", ready,
                              static_cast<unsigned long long>(delivered),
                              static_cast<unsigned long long>(out_of_order),
                              static_cast<unsigned long long>(first_ready_ns),
                              static_cast<unsigned long long>(last_ready_ns));
                emit(line + hist.serialize());
            } else if (cmd == "stop") {
                stopping = true;
            }
        }
    }

    int run() {
        ep = epoll_create1(EPOLL_CLOEXEC);
        epoll_event cev{};
        cev.events = EPOLLIN;
        cev.data.ptr = nullptr;
        epoll_ctl(ep, EPOLL_CTL_ADD, cfg.control_fd, &cev);
        conns.reserve(cfg.connections);
        std::vector<epoll_event> events(1024);
        uint64_t next_progress = now_ns();
        while (!stopping) {
            while (started < cfg.connections && connecting < cfg.max_connecting) {
                open_one();
            }
            const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
            for (int i = 0; i < n; ++i) {
                auto* c = static_cast<connection*>(events[static_cast<std::size_t>(i)].data.ptr);
                if (c == nullptr) {
                    on_control();
                    continue;
                }
                const auto ev = events[static_cast<std::size_t>(i)].events;
                if (ev & EPOLLOUT) {
                    on_writable(*c);
                }
                if (c->state != phase::closed &&
                    (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                    if (c->state == phase::connecting) {
                        on_writable(*c);
                    }
                    if (c->state != phase::closed) {
                        on_readable(*c);
                    }
                }
            }
            const uint64_t t = now_ns();
            if (t >= next_progress) {
                next_progress = t + 200'000'000;
                char line[160];
                std::snprintf(line, sizeof line, "progress %zu %zu %llu %zu %zu", connected, ready,
                              static_cast<unsigned long long>(delivered), closed, errors);
                emit(line);
            }
        }
        for (auto& c : conns) {
            if (c->fd >= 0) {
                ::close(c->fd);
            }
        }
        return 0;
    }
};

}  // namespace

int run_subscriber_worker(const worker_config& config) {
    worker w(config);
    return w.run();
}

}  // namespace rig::bench
