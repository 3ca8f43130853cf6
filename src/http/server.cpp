#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <exception>

#include "core/log.hpp"
#include "http/h1_session.hpp"
#include "http/h2_session.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

log::rate_limited accept_log{1};
log::rate_limited handshake_log{5};

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket socket, serving s) {
    if (s.tls == nullptr) {
        co_await run_h1_session(std::make_unique<net::byte_stream>(std::move(socket)), *s.options,
                                *s.route, *s.tracker);
        co_return;
    }
    auto stream = std::make_unique<net::byte_stream>(std::move(socket), s.tls);
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
    boost::system::error_code ignored;
    acceptor.non_blocking(true, ignored);
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open() ||
                s.tracker->draining()) {
                co_return;
            }
            accept_log.info("accept failed: {}", ec.message());
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory || ec.value() == ENFILE) {
                asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_tuple);
            }
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), s),
                       log::exception_logger{"connection"});
        // A burst of connects fills the listen queue faster than one accept per wake-up
        // empties it (overflowing SYNs are dropped and retried a second later): take what is
        // already waiting, up to a round's worth, before waiting again.
        for (int i = 0; i < 64; ++i) {
            boost::system::error_code aec;
            tcp::socket more = acceptor.accept(aec);
            if (aec) {
                break;
            }
            asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(more), s),
                           log::exception_logger{"connection"});
        }
    }
}

}  // namespace rig::http
