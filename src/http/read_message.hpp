#pragma once

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <cstddef>

#include "net/asio.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {

// How much of a message read_message() reads.
enum class read_goal { head, whole };

// A rig client's connection as read_message() reads it.
struct stream_source {
    net::byte_stream& stream;

    net::byte_stream::want read_now(asio::mutable_buffer b, std::size_t& n,
                                    boost::system::error_code& ec) {
        return stream.read_now(b, n, ec);
    }
    auto wait(net::byte_stream::want w) {
        return stream.socket().async_wait(
            w == net::byte_stream::want::write ? tcp::socket::wait_write : tcp::socket::wait_read,
            asio::as_tuple(asio::use_awaitable));
    }
};

// A plain outbound TCP connection (the API gateway's backends) as read_message() reads it.
struct socket_source {
    tcp::socket& socket;

    net::byte_stream::want read_now(asio::mutable_buffer b, std::size_t& n,
                                    boost::system::error_code& ec) {
        n = 0;
        const ssize_t r = ::recv(socket.native_handle(), b.data(), b.size(), 0);
        if (r > 0) {
            n = static_cast<std::size_t>(r);
        } else if (r == 0) {
            ec = asio::error::eof;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return net::byte_stream::want::read;
        } else {
            ec = boost::system::error_code(errno, boost::system::system_category());
        }
        return net::byte_stream::want::nothing;
    }
    auto wait(net::byte_stream::want) {
        return socket.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    }
};

// Reads into `buffer` and feeds `parser` until it has the message's head or the whole
// message; what is already in `buffer` is parsed first, and what the parser leaves stays
// there. The same results as Beast's async_read_header / async_read (end_of_stream when the
// peer closed before a byte, buffer_overflow, the parser's own errors), but each read is
// tried at once without blocking and the coroutine waits for the socket only when it has
// nothing: a request costs one system call and no composed operation, no handler allocation
// and no completion through the scheduler (Beast's operations cost three layers of each, and
// a post when the data is already there).
template <class Source, bool isRequest>
asio::awaitable<boost::system::error_code> read_message(
    Source source, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<isRequest>& parser, read_goal goal) {
    namespace bhttp = boost::beast::http;
    using want = net::byte_stream::want;
    parser.eager(goal == read_goal::whole);
    const auto reached = [&] {
        return goal == read_goal::head ? parser.is_header_done() : parser.is_done();
    };
    boost::system::error_code ec;
    for (;;) {
        if (reached()) {
            co_return ec;
        }
        if (buffer.size() > 0) {
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (ec != bhttp::error::need_more) {
                if (ec) {
                    co_return ec;
                }
                if (used > 0) {
                    continue;  // parse the rest, or stop at the goal
                }
            }
            ec = {};
        }
        const std::size_t size = boost::beast::read_size(buffer, 65536);
        if (size == 0) {
            co_return bhttp::error::buffer_overflow;
        }
        std::size_t n = 0;
        const want w = source.read_now(buffer.prepare(size), n, ec);
        if (w != want::nothing) {
            auto [wec] = co_await source.wait(w);
            if (wec) {
                co_return wec;
            }
            continue;
        }
        if (ec == asio::error::eof) {
            if (!parser.got_some()) {
                co_return bhttp::error::end_of_stream;
            }
            ec = {};
            parser.put_eof(ec);
            co_return ec;
        }
        if (ec) {
            co_return ec;
        }
        buffer.commit(n);
    }
}

}  // namespace rig::http
