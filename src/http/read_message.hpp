#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <optional>
#include <tuple>

#include "net/asio.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {

// How much of a message read_message() reads.
enum class read_goal { head, whole };

using receive_result = std::tuple<boost::system::error_code, std::size_t>;

// A TLS connection's read: OpenSSL's, retried when the socket is ready.
inline asio::awaitable<receive_result> receive_tls(net::byte_stream& stream,
                                                   asio::mutable_buffer b) {
    for (;;) {
        std::size_t n = 0;
        boost::system::error_code ec;
        const auto w = stream.read_now(b, n, ec);
        if (w == net::byte_stream::want::nothing) {
            co_return receive_result{ec, n};
        }
        auto [wec] = co_await stream.socket().async_wait(
            w == net::byte_stream::want::write ? tcp::socket::wait_write : tcp::socket::wait_read,
            asio::as_tuple(asio::use_awaitable));
        if (wec) {
            co_return receive_result{wec, 0};
        }
    }
}

// A rig client's connection as read_message() reads it.
struct stream_source {
    net::byte_stream& stream;

    // Plain TCP: Asio's receive, which tries at once and otherwise waits for the reactor's
    // readiness event. (A readiness wait of our own after a failed try would cost an
    // epoll_ctl: Asio re-arms the descriptor for every wait, as a wait may start after the
    // edge it needs.)
    asio::awaitable<receive_result> receive(asio::mutable_buffer b) {
        if (!stream.secure()) {
            return stream.socket().async_receive(b, asio::as_tuple(asio::use_awaitable));
        }
        return receive_tls(stream, b);
    }
};

// A plain outbound TCP connection (the API gateway's backends) as read_message() reads it.
struct socket_source {
    tcp::socket& socket;

    asio::awaitable<receive_result> receive(asio::mutable_buffer b) {
        return socket.async_receive(b, asio::as_tuple(asio::use_awaitable));
    }
};

// Feeds what `buffer` holds to `parser` until `reached()`: the result read_message() returns
// (clear when the goal is reached, else the parser's error), or nothing when the parser needs
// more bytes.
template <bool IsRequest, class Reached>
std::optional<boost::system::error_code> parse_buffered(
    boost::beast::flat_buffer& buffer, boost::beast::http::basic_parser<IsRequest>& parser,
    const Reached& reached) {
    for (;;) {
        if (reached()) {
            return boost::system::error_code{};
        }
        if (buffer.size() == 0) {
            return std::nullopt;
        }
        boost::system::error_code ec;
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == boost::beast::http::error::need_more || (!ec && used == 0)) {
            return std::nullopt;
        }
        if (ec) {
            return ec;
        }
    }
}

// The result of a read that met the end of the stream, as Beast gives it: end_of_stream when
// no byte of a message came, else what the parser makes of the end.
template <bool IsRequest>
boost::system::error_code end_of_stream_result(
    boost::beast::http::basic_parser<IsRequest>& parser) {
    if (!parser.got_some()) {
        return boost::beast::http::error::end_of_stream;
    }
    boost::system::error_code ec;
    parser.put_eof(ec);
    return ec;
}

// Reads into `buffer` and feeds `parser` until it has the message's head or the whole
// message; what is already in `buffer` is parsed first, and what the parser leaves stays
// there. The same results as Beast's async_read_header / async_read (end_of_stream when the
// peer closed before a byte, buffer_overflow, the parser's own errors), with one receive
// operation per read: Beast's composed operations cost three layers of operations, each
// with a handler allocation and an executor's work guard.
template <class Source, bool IsRequest>
asio::awaitable<boost::system::error_code> read_message(
    Source source, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<IsRequest>& parser, read_goal goal) {
    parser.eager(goal == read_goal::whole);
    const auto reached = [&] {
        return goal == read_goal::head ? parser.is_header_done() : parser.is_done();
    };
    for (;;) {
        if (auto result = parse_buffered(buffer, parser, reached)) {
            co_return *result;
        }
        const std::size_t size = boost::beast::read_size(buffer, 65536);
        if (size == 0) {
            co_return boost::beast::http::error::buffer_overflow;
        }
        auto [ec, n] = co_await source.receive(buffer.prepare(size));
        if (ec == asio::error::eof) {
            co_return end_of_stream_result(parser);
        }
        if (ec) {
            co_return ec;
        }
        buffer.commit(n);
    }
}

}  // namespace rig::http
