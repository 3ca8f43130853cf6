#include "http/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "core/log.hpp"
#include "http/h1_session.hpp"
#include "http/h2_session.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

log::rate_limited accept_log{1};
log::rate_limited accept_recovered_log{1};  // apart, so that a failure's line does not hide it
log::rate_limited handshake_log{5};
log::rate_limited budget_log{1};

// Answers a connection beyond RIG_MAX_CONNECTIONS without serving it: what the client sent
// so far is read (so that the close is not a reset that hides the answer), a 503 written if
// the socket takes it at once, and the descriptor closed. Never blocks.
void refuse_over_budget(int fd, bool tls) {
    if (!tls) {
        char scratch[4096];
        (void)::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
        static constexpr std::string_view answer =
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
            "content-length: 33\r\nconnection: close\r\n\r\n"
            "{\"error\":\"Too many connections.\"}";
        (void)::send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
    }
    ::close(fd);
}

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket socket, serving s, bool non_blocking) {
    if (s.tls == nullptr) {
        auto stream = std::make_unique<net::byte_stream>(std::move(socket), non_blocking);
        stream->charge_to(s.budget);
        co_await run_h1_session(std::move(stream), *s.options, *s.route, *s.tracker);
        co_return;
    }
    auto stream = std::make_unique<net::byte_stream>(std::move(socket), s.tls, non_blocking);
    stream->charge_to(s.budget);
    {
        // A drain must not wait for clients that are still shaking hands.
        struct handshaking final : session_tracker::member {
            explicit handshaking(net::byte_stream& st) : stream(st) {}
            void drain() override { stream.cancel(); }
            net::byte_stream& stream;
        } member(*stream);
        const session_tracker::scoped tracked(*s.tracker, &member);
        if (s.tracker->draining()) {
            co_return;
        }
        asio::steady_timer deadline(stream->get_executor());
        deadline.expires_after(s.options->handshake_timeout);
        deadline.async_wait([raw = stream.get()](const boost::system::error_code& ec) {
            if (!ec) {
                raw->cancel();
            }
        });
        auto [ec] = co_await stream->async_handshake(use_tuple);
        deadline.cancel();
        if (ec) {
            if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
                boost::system::error_code ignored;
                handshake_log.info("tls: handshake with {} failed: {}",
                                   stream->socket().remote_endpoint(ignored).address().to_string(),
                                   ec.message());
            }
            stream->close();
            co_return;
        }
    }
    if (stream->alpn() == "h2") {
        start_h2_session(std::move(stream), {}, *s.options, *s.route, *s.tracker);
        co_return;
    }
    co_await run_h1_session(std::move(stream), *s.options, *s.route, *s.tracker);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, serving s) {
    const int listener = acceptor.native_handle();
    const auto protocol = acceptor.local_endpoint().protocol();
    const char* kind = s.internal ? "internal API" : "public";
    std::chrono::milliseconds backoff{0};  // nonzero: in a run of failures
    uint64_t failed_in_run = 0;
    for (;;) {
        auto [ec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, use_tuple);
        if (ec || !acceptor.is_open() || s.tracker->draining()) {
            co_return;
        }
        // Descriptors freed since the last round go back to the reserve first.
        if (s.reserve != nullptr) {
            s.reserve->refill();
        }
        // A burst of connects fills the listen queue faster than one accept per wake-up
        // empties it (overflowing SYNs are dropped and retried a second later): take what is
        // waiting, up to a round's worth. accept4 makes them non-blocking at once (inherited
        // TCP_NODELAY does the rest), so a connection costs no extra system call to set up.
        for (int i = 0; i < 64; ++i) {
            int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            int err = fd < 0 ? errno : 0;
            if (fd < 0 && (err == EMFILE || err == ENFILE) && s.internal && s.reserve != nullptr &&
                s.reserve->release(2) > 0) {
                // One descriptor for the connection, one for what its request opens (the
                // process metrics read /proc).
                if (s.failures != nullptr) {
                    s.failures->count(true, err);
                }
                fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                err = fd < 0 ? errno : 0;
            }
            if (fd < 0) {
                if (err == EAGAIN || err == EWOULDBLOCK) {
                    break;
                }
                if (err == EINTR || err == ECONNABORTED || err == EPROTO) {
                    continue;
                }
                if (s.failures != nullptr) {
                    s.failures->count(s.internal, err);
                }
                if (++failed_in_run == 1) {
                    accept_log.info(
                        "{} listener: accept failed: {}; backing off until it succeeds (counted "
                        "in rig_accept_failures_total)",
                        kind, std::strerror(err));
                }
                if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                    // Out of file descriptors or memory: back off instead of spinning, longer
                    // each time while it lasts.
                    backoff = std::clamp(backoff * 2, std::chrono::milliseconds(50),
                                         std::chrono::milliseconds(1000));
                    asio::steady_timer pause(acceptor.get_executor(), backoff);
                    co_await pause.async_wait(use_tuple);
                }
                break;
            }
            if (failed_in_run != 0) {
                accept_recovered_log.info("{} listener: accepting again after {} failed attempts",
                                          kind, failed_in_run);
                failed_in_run = 0;
                backoff = std::chrono::milliseconds(0);
            }
            if (s.budget != nullptr && !s.budget->try_take()) {
                budget_log.info("connection refused: RIG_MAX_CONNECTIONS ({}) reached",
                                s.budget->limit());
                refuse_over_budget(fd, s.tls != nullptr);
                continue;
            }
            tcp::socket socket(acceptor.get_executor());
            boost::system::error_code aec;
            socket.assign(protocol, fd, aec);
            if (aec) {
                ::close(fd);
                if (s.budget != nullptr) {
                    s.budget->give_back();
                }
                continue;
            }
            asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), s, true),
                           log::exception_logger{"connection"});
        }
    }
}

}  // namespace rig::http
