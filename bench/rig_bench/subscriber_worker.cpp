#include "subscriber_worker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "delivery_stats.hpp"
#include "h1_session.hpp"
#include "h2_session.hpp"
#include "protocol_session.hpp"
#include "socket_stream.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace rig::bench {
namespace {

enum class phase { connecting, handshaking, open, closed };

// One TCP connection of the worker and where it is: TCP connect, TLS handshake, then its
// protocol session; what is still to send, and what was received but not yet consumed.
struct connection {
    std::unique_ptr<socket_stream> sock;
    phase state = phase::connecting;
    std::unique_ptr<protocol_session> session;
    std::string out;
    std::size_t out_sent = 0;
    std::string in;
    uint32_t interest = 0;  // the epoll events registered
};

// The subscriber process's event loop (see subscriber_worker.hpp): opens connections up to
// `max_connecting` in flight, drives each through connect, TLS and its session on one epoll
// set, counts subscribers, and answers the parent's control lines. Owns every connection;
// the only thread of its process.
class worker final : public subscriber_events {
public:
    explicit worker(const worker_config& c) : cfg_(c) {
        per_conn_ = cfg_.h2 ? cfg_.streams_per_connection : 1;
    }

    int run();

    void subscriber_ready() override {
        ++ready_;
        const uint64_t t = now_ns();
        if (first_ready_ns_ == 0) {
            first_ready_ns_ = t;
        }
        last_ready_ns_ = t;
    }
    void subscriber_closed(bool error) override {
        ++closed_;
        errors_ += error ? 1 : 0;
    }
    void subscriber_failed(std::string_view why) override {
        complain(std::string(why));
        subscriber_closed(true);
    }

private:
    void emit(const std::string& line);
    void complain(const std::string& what);
    void open_one();
    void set_interest(connection& c, uint32_t events);
    void drive(connection& c, uint32_t events);
    void begin_session(connection& c);
    void read_all(connection& c);
    void flush(connection& c);
    void close_conn(connection& c, bool error);
    void fail(connection& c, const std::string& why);
    void on_control();

    const worker_config& cfg_;
    std::size_t per_conn_ = 1;
    std::unique_ptr<tls_client_context> tls_;
    int ep_ = -1;
    std::vector<std::unique_ptr<connection>> conns_;
    std::size_t started_ = 0, connected_ = 0, connecting_ = 0;
    std::size_t ready_ = 0, closed_ = 0, errors_ = 0;  // subscribers
    uint64_t first_ready_ns_ = 0, last_ready_ns_ = 0;
    delivery_stats stats_;
    std::string control_buf_;
    int complaints_ = 0;
    bool stopping_ = false;
};

void worker::emit(const std::string& line) {
    const std::string l = line + "\n";
    std::size_t off = 0;
    while (off < l.size()) {
        const ssize_t n = ::write(cfg_.report_fd, l.data() + off, l.size() - off);
        if (n <= 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        off += static_cast<std::size_t>(n);
    }
}

// The first few failures of a process, on stderr: enough to see why, not a flood.
void worker::complain(const std::string& what) {
    if (complaints_ < 3) {
        std::fprintf(stderr, "rig-bench worker %d: %s\n", cfg_.id, what.c_str());
    } else if (complaints_ == 3) {
        std::fprintf(stderr, "rig-bench worker %d: (further failures not shown)\n", cfg_.id);
    }
    ++complaints_;
}

void worker::open_one() {
    ++started_;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        complain(std::string("socket: ") + std::strerror(errno));
        closed_ += per_conn_;
        errors_ += per_conn_;
        return;
    }
    auto c = std::make_unique<connection>();
    c->sock = std::make_unique<socket_stream>(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!cfg_.source_address.empty()) {
        // Let the 4-tuple pick the port, so every source address has its own port range.
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        inet_pton(AF_INET, cfg_.source_address.c_str(), &src.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            complain(std::string("bind: ") + std::strerror(errno));
            closed_ += per_conn_;
            errors_ += per_conn_;
            return;
        }
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(cfg_.target.port);
    inet_pton(AF_INET, cfg_.target.host.c_str(), &dst.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
        complain(std::string("connect: ") + std::strerror(errno));
        closed_ += per_conn_;
        errors_ += per_conn_;
        return;
    }
    c->interest = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    epoll_event ev{};
    ev.events = c->interest;
    ev.data.ptr = c.get();
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    ++connecting_;
    conns_.push_back(std::move(c));
}

void worker::set_interest(connection& c, uint32_t events) {
    events |= EPOLLIN | EPOLLRDHUP;
    if (events == c.interest) {
        return;
    }
    c.interest = events;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &c;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.sock->fd(), &ev);
}

void worker::close_conn(connection& c, bool error) {
    if (c.state == phase::closed) {
        return;
    }
    if (c.state == phase::connecting || c.state == phase::handshaking) {
        --connecting_;
    }
    const std::size_t open = c.session ? c.session->open_subscribers() : per_conn_;
    const bool failed = error || (c.session && !c.session->all_ready());
    closed_ += open;
    errors_ += failed ? open : 0;
    c.state = phase::closed;
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.sock->fd(), nullptr);
    c.sock.reset();
    c.session.reset();
    std::string().swap(c.in);
    std::string().swap(c.out);
}

void worker::fail(connection& c, const std::string& why) {
    complain(why);
    close_conn(c, true);
}

void worker::begin_session(connection& c) {
    --connecting_;
    c.state = phase::open;
    if (cfg_.h2) {
        c.session =
            std::make_unique<h2_session>(cfg_.target, per_conn_, cfg_.windows, stats_, *this);
    } else {
        c.session = std::make_unique<h1_session>(cfg_.target, stats_, *this);
    }
    c.session->start(c.out);
    flush(c);
}

void worker::drive(connection& c, uint32_t events) {
    if (c.state == phase::connecting) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            return;
        }
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.sock->fd(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(c, std::string("connect: ") + std::strerror(err));
            return;
        }
        ++connected_;
        if (cfg_.target.tls) {
            c.sock->start_tls(*tls_, cfg_.target.host);
            c.state = phase::handshaking;
        } else {
            begin_session(c);
        }
    }
    if (c.state == phase::handshaking) {
        switch (c.sock->handshake()) {
            case io_status::ok:
                break;
            case io_status::want_read:
                set_interest(c, 0);
                return;
            case io_status::want_write:
                set_interest(c, EPOLLOUT);
                return;
            case io_status::eof:
                fail(c, "TLS handshake: the server closed the connection");
                return;
            case io_status::error:
                fail(c, "TLS handshake: " + c.sock->error());
                return;
        }
        if (cfg_.h2 && c.sock->alpn() != "h2") {
            fail(c, "the server did not select h2 by ALPN (selected \"" +
                        std::string(c.sock->alpn()) + "\")");
            return;
        }
        begin_session(c);
        if (c.state != phase::open) {
            return;
        }
    }
    if (c.state == phase::open) {
        read_all(c);
        if (c.state == phase::open) {
            flush(c);
        }
    }
}

void worker::read_all(connection& c) {
    char buf[65536];
    bool eof = false;
    for (;;) {
        std::size_t n = 0;
        const io_status st = c.sock->read(buf, sizeof buf, n);
        if (st == io_status::ok) {
            c.in.append(buf, n);
            continue;
        }
        if (st == io_status::want_read) {
            break;
        }
        if (st == io_status::want_write) {  // TLS wants to write before it can read on
            set_interest(c, EPOLLOUT);
            break;
        }
        if (st == io_status::error) {
            fail(c, "read: " + c.sock->error());
            return;
        }
        eof = true;
        break;
    }
    if (!c.in.empty()) {
        switch (c.session->on_input(c.in, c.out)) {
            case protocol_session::verdict::keep_open:
                break;
            case protocol_session::verdict::close:
                close_conn(c, false);
                return;
            case protocol_session::verdict::fail:
                fail(c, c.session->failure());
                return;
        }
    }
    if (eof) {
        close_conn(c, false);  // an error unless every subscriber had become ready
    }
}

void worker::flush(connection& c) {
    while (c.out_sent < c.out.size()) {
        std::size_t n = 0;
        const io_status st = c.sock->write(c.out.data() + c.out_sent, c.out.size() - c.out_sent, n);
        if (st == io_status::ok) {
            c.out_sent += n;
            continue;
        }
        if (st == io_status::want_write || st == io_status::want_read) {
            set_interest(c, st == io_status::want_write ? uint32_t{EPOLLOUT} : 0U);
            return;
        }
        fail(c, "write: " + c.sock->error());
        return;
    }
    c.out.clear();
    c.out_sent = 0;
    set_interest(c, 0);
}

void worker::on_control() {
    char buf[256];
    const ssize_t n = ::read(cfg_.control_fd, buf, sizeof buf);
    if (n <= 0) {
        stopping_ = true;
        return;
    }
    control_buf_.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = control_buf_.find('\n')) != std::string::npos) {
        const std::string cmd = control_buf_.substr(0, nl);
        control_buf_.erase(0, nl + 1);
        if (cmd == "reset") {
            stats_.reset();
        } else if (cmd == "report") {
            char line[240];
            std::snprintf(line, sizeof line, "report %zu %llu %llu %llu %llu %llu ", ready_,
                          static_cast<unsigned long long>(stats_.delivered),
                          static_cast<unsigned long long>(stats_.out_of_order),
                          static_cast<unsigned long long>(first_ready_ns_),
                          static_cast<unsigned long long>(last_ready_ns_),
                          static_cast<unsigned long long>(stats_.bytes));
            emit(line + stats_.hist.serialize());
        } else if (cmd == "stop") {
            stopping_ = true;
        }
    }
}

int worker::run() {
    if (cfg_.target.tls) {
        auto opts = cfg_.tls;
        opts.alpn = {cfg_.h2 ? "h2" : "http/1.1"};
        std::string error;
        tls_ = tls_client_context::create(opts, error);
        if (!tls_) {
            complain("TLS: " + error);
            return 1;
        }
    }
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    epoll_event cev{};
    cev.events = EPOLLIN;
    cev.data.ptr = nullptr;
    epoll_ctl(ep_, EPOLL_CTL_ADD, cfg_.control_fd, &cev);
    conns_.reserve(cfg_.connections);
    std::vector<epoll_event> events(1024);
    uint64_t next_progress = now_ns();
    while (!stopping_) {
        while (started_ < cfg_.connections && connecting_ < cfg_.max_connecting) {
            open_one();
        }
        const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < n; ++i) {
            const auto& e = events[static_cast<std::size_t>(i)];
            auto* c = static_cast<connection*>(e.data.ptr);
            if (c == nullptr) {
                on_control();
            } else if (c->state != phase::closed) {
                drive(*c, e.events);
            }
        }
        const uint64_t t = now_ns();
        if (t >= next_progress) {
            next_progress = t + 200'000'000;
            char line[160];
            std::snprintf(line, sizeof line, "progress %zu %zu %llu %zu %zu", connected_, ready_,
                          static_cast<unsigned long long>(stats_.delivered), closed_, errors_);
            emit(line);
        }
    }
    conns_.clear();  // closes every socket
    return 0;
}

}  // namespace

int run_subscriber_worker(const worker_config& config) {
    worker w(config);
    return w.run();
}

}  // namespace rig::bench
