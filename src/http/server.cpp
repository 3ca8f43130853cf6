#include "http/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <exception>
#include <system_error>

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
        std::array<char, 4096> scratch{};
        (void)::recv(fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
        static constexpr std::string_view answer =
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
            "content-length: 33\r\nconnection: close\r\n\r\n"
            "{\"error\":\"Too many connections.\"}";
        (void)::send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
    }
    ::close(fd);
}

bool out_of_descriptors(int err) {
    return err == EMFILE || err == ENFILE;
}

// A descriptor from accept4, or (fd < 0) the errno it failed with.
struct accepted {
    int fd = -1;
    int err = 0;
};

// Accepts one waiting connection, non-blocking at once (accept4: inherited TCP_NODELAY does
// the rest, so a connection costs no extra system call to set up). An internal listener out
// of descriptors gives two back from the reserve and tries again.
accepted accept_next(int listener, const serving& s) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd < 0 && out_of_descriptors(err) && s.internal && s.reserve != nullptr &&
        s.reserve->release(2) > 0) {
        // One descriptor for the connection, one for what its request opens (the process
        // metrics read /proc).
        if (s.failures != nullptr) {
            s.failures->count(true, err);
        }
        fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        err = fd < 0 ? errno : 0;
    }
    return {fd, err};
}

// What a round of accepts does after a failed accept.
enum class next_step {
    accept_more,  // a hiccup of one connection (interrupted, aborted by the client)
    end_round,    // the queue is empty, or the failure is not one that waiting cures
    back_off,     // out of descriptors or memory: pause for `failure_run::backoff` first
};

// A listener's run of failed accepts: the first is logged, and so is the end of the run (apart,
// so that a failure's line does not hide it); the back-off grows while the run lasts.
struct failure_run {
    const char* kind;                      // "public" or "internal API", for the log
    std::chrono::milliseconds backoff{0};  // nonzero: in a run of failures
    uint64_t failed = 0;

    next_step after_failure(int err, const serving& s) {
        if (err == EAGAIN || err == EWOULDBLOCK) {
            return next_step::end_round;
        }
        if (err == EINTR || err == ECONNABORTED || err == EPROTO) {
            return next_step::accept_more;
        }
        if (s.failures != nullptr) {
            s.failures->count(s.internal, err);
        }
        if (++failed == 1) {
            // strerror is not thread-safe; the category's message is the same text.
            accept_log.info(
                "{} listener: accept failed: {}; backing off until it succeeds (counted in "
                "rig_accept_failures_total)",
                kind, std::generic_category().message(err));
        }
        if (out_of_descriptors(err) || err == ENOBUFS || err == ENOMEM) {
            // Back off instead of spinning, longer each time while it lasts.
            backoff = std::clamp(backoff * 2, std::chrono::milliseconds(50),
                                 std::chrono::milliseconds(1000));
            return next_step::back_off;
        }
        return next_step::end_round;
    }

    void after_success() {
        if (failed != 0) {
            accept_recovered_log.info("{} listener: accepting again after {} failed attempts", kind,
                                      failed);
            failed = 0;
            backoff = std::chrono::milliseconds(0);
        }
    }
};

// Serves an accepted descriptor on the acceptor's shard, or refuses it beyond `s.budget`.
void serve_accepted(tcp::acceptor& acceptor, const tcp& protocol, int fd, const serving& s) {
    if (s.budget != nullptr && !s.budget->try_take()) {
        budget_log.info("connection refused: RIG_MAX_CONNECTIONS ({}) reached", s.budget->limit());
        refuse_over_budget(fd, s.tls != nullptr);
        return;
    }
    tcp::socket socket(acceptor.get_executor());
    boost::system::error_code aec;
    socket.assign(protocol, fd, aec);
    if (aec) {
        ::close(fd);
        if (s.budget != nullptr) {
            s.budget->give_back();
        }
        return;
    }
    asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), s, true),
                   log::exception_logger{"connection"});
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
            virtual ~handshaking() = default;  // C.35: a class with virtual functions
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
    failure_run run{s.internal ? "internal API" : "public"};
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
        // waiting, up to a round's worth.
        for (int i = 0; i < 64; ++i) {
            const accepted a = accept_next(listener, s);
            if (a.fd >= 0) {
                run.after_success();
                serve_accepted(acceptor, protocol, a.fd, s);
                continue;
            }
            const next_step step = run.after_failure(a.err, s);
            if (step == next_step::accept_more) {
                continue;
            }
            if (step == next_step::back_off) {
                asio::steady_timer pause(acceptor.get_executor(), run.backoff);
                co_await pause.async_wait(use_tuple);
            }
            break;
        }
    }
}

}  // namespace rig::http
