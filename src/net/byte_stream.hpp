#pragma once

#include <array>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string_view>

#include "core/shared_budget.hpp"
#include "net/asio.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace rig::net {

using error_code = boost::system::error_code;

// A client's TCP connection, plain or TLS: the one stream every protocol layer of rig works
// on (HTTP/1.1, HTTP/2, SSE, WebSocket). It is an Asio AsyncReadStream and AsyncWriteStream,
// so Beast's HTTP parser reads from it, and it also offers readiness waits with non-blocking
// reads, so that an idle connection can watch its peer without holding a read buffer.
//
// TLS is OpenSSL working directly on the non-blocking socket (SSL_set_fd), driven by
// readiness waits. Not asio::ssl::stream: that keeps two 17 KiB record buffers per
// connection (plus a BIO pair), most of an idle connection's memory; OpenSSL itself releases
// its buffers while a connection is idle (SSL_MODE_RELEASE_BUFFERS, set by the context).
// Gathered TLS writes coalesce up to one record (16 KiB) per SSL_write through a per-thread
// scratch buffer; a write that must be retried is refilled from the same (immutable) buffers.
//
// Lifetime: owned by whoever serves the connection (an HTTP session, then a long-lived
// connection that took it over); pending operations must complete before it is destroyed
// (close() makes them complete with operation_aborted).
//
// @par Thread safety
// Distinct objects: safe. Shared objects: unsafe; used only on the shard that accepted it.
// At most one read (or readiness wait) and one write may be pending at a time.
class byte_stream {
public:
    using executor_type = tcp::socket::executor_type;

    // A plain TCP connection. `non_blocking`: the socket already is (accept4 with
    // SOCK_NONBLOCK), which saves a system call per connection.
    explicit byte_stream(tcp::socket socket, bool non_blocking = false);
    // The server side of TLS over `socket` with the given context; async_handshake() first.
    byte_stream(tcp::socket socket, ssl_ctx_st* tls, bool non_blocking = false);
    ~byte_stream();
    byte_stream(const byte_stream&) = delete;
    byte_stream& operator=(const byte_stream&) = delete;

    executor_type get_executor() { return socket_.get_executor(); }
    tcp::socket& socket() { return socket_; }
    bool secure() const { return ssl_ != nullptr; }
    // The application protocol ALPN selected ("h2", "http/1.1"), or empty.
    std::string_view alpn() const;

    // What a non-blocking attempt needs before it can make progress.
    enum class want { nothing, read, write };

    // Reads what is available into `b`: n > 0, or ec (eof when the peer ended the stream),
    // or want::read/want::write when nothing can be read yet. Never blocks.
    want read_now(asio::mutable_buffer b, std::size_t& n, error_code& ec);

    // Writes a prefix of `bufs` without blocking (writev, or one TLS record batch). `retry` is
    // the byte count of a TLS write that wanted to be retried (0 otherwise); it is updated.
    want write_now(const asio::const_buffer* bufs, std::size_t count, std::size_t& n,
                   std::size_t& retry, error_code& ec);

    // One step of the TLS server handshake.
    want handshake_now(error_code& ec);

    // Completes when a read may make progress (data, end of stream or an error).
    template <class Token>
    auto async_wait_readable(Token&& token) {
        return asio::async_compose<Token, void(error_code)>(wait_readable_op{this}, token, socket_);
    }

    // TLS server handshake; completes at once for a plain stream.
    template <class Token>
    auto async_handshake(Token&& token) {
        return asio::async_compose<Token, void(error_code)>(
            retrying_op<handshake_attempt, false>{this, {this}}, token, socket_);
    }

    // AsyncReadStream: reads into the first non-empty buffer of `buffers`.
    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        asio::mutable_buffer first;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers); ++it) {
            if (asio::mutable_buffer(*it).size() != 0) {
                first = *it;
                break;
            }
        }
        return asio::async_compose<Token, void(error_code, std::size_t)>(
            retrying_op<read_attempt, true>{this, {this, first}}, token, socket_);
    }

    // AsyncWriteStream: writes a prefix of `buffers` (at most 64 of them per call).
    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        write_attempt w{this};
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers) && w.count < w.bufs.size(); ++it) {
            const asio::const_buffer b(*it);
            if (b.size() != 0) {
                w.bufs[w.count++] = b;
            }
        }
        return asio::async_compose<Token, void(error_code, std::size_t)>(
            retrying_op<write_attempt, true>{this, w}, token, socket_);
    }

    // Ends the sending direction: TLS close_notify (best effort), then TCP FIN.
    void shutdown_send();
    // Pending operations complete with operation_aborted.
    // Counts this connection against `budget` until the stream is destroyed (the budget
    // must outlive it). Called once, by the server that accepted it.
    void charge_to(core::shared_budget* budget) { budget_ = budget; }

    void cancel();
    // Closes the socket; pending operations complete with operation_aborted.
    void close();

    // Waits for the readiness a non-blocking attempt asked for (want::read or want::write):
    // the building block of a caller's own retry loop (e.g. a channel's gathered writes).
    template <class Handler>
    void wait_for(want w, Handler&& handler) {
        socket_.async_wait(w == want::write ? tcp::socket::wait_write : tcp::socket::wait_read,
                           std::forward<Handler>(handler));
    }

private:
    bool tls_has_buffered() const;

    // The operations share one shape: try at once; when the attempt would block, wait for the
    // readiness it names and try again. A result available at the first try is delivered
    // through a post, never from inside the initiating call. `Attempt` is called as
    // `want(error_code& ec, std::size_t& n)`; `Sized` says whether the completion carries n.
    template <class Attempt, bool Sized>
    struct retrying_op {
        byte_stream* s;
        Attempt attempt;
        template <class Self>
        void operator()(Self& self) {
            step(self, true);
        }
        template <class Self>
        void operator()(Self& self, error_code ec) {
            if (ec) {
                done(self, ec, 0);
                return;
            }
            step(self, false);
        }
        template <class Self>
        void operator()(Self& self, error_code ec, std::size_t n) {
            done(self, ec, n);
        }
        template <class Self>
        void step(Self& self, bool first) {
            std::size_t n = 0;
            error_code ec;
            const want w = attempt(ec, n);
            if (w != want::nothing) {
                s->wait_for(w, std::move(self));
            } else if (first) {
                asio::post(s->get_executor(), asio::append(std::move(self), ec, n));
            } else {
                done(self, ec, n);
            }
        }
        template <class Self>
        static void done(Self& self, error_code ec, std::size_t n) {
            if constexpr (Sized) {
                self.complete(ec, n);
            } else {
                self.complete(ec);
            }
        }
    };

    struct read_attempt {
        byte_stream* s = nullptr;
        asio::mutable_buffer buf;
        want operator()(error_code& ec, std::size_t& n) const {
            return buf.size() == 0 ? want::nothing : s->read_now(buf, n, ec);
        }
    };
    struct write_attempt {
        byte_stream* s;
        std::array<asio::const_buffer, 64> bufs{};
        std::size_t count = 0;
        std::size_t retry = 0;
        want operator()(error_code& ec, std::size_t& n) {
            return count == 0 ? want::nothing : s->write_now(bufs.data(), count, n, retry, ec);
        }
    };
    struct handshake_attempt {
        byte_stream* s;
        want operator()(error_code& ec, std::size_t&) const { return s->handshake_now(ec); }
    };

    struct wait_readable_op {
        byte_stream* s;
        template <class Self>
        void operator()(Self& self) {
            if (s->tls_has_buffered()) {
                asio::post(s->get_executor(), asio::append(std::move(self), error_code{}, true));
                return;
            }
            s->wait_for(want::read, std::move(self));
        }
        template <class Self>
        void operator()(Self& self, error_code ec) {
            self.complete(ec);
        }
        template <class Self>
        void operator()(Self& self, error_code ec, bool) {
            self.complete(ec);
        }
    };

    tcp::socket socket_;
    ssl_st* ssl_ = nullptr;
    core::shared_budget* budget_ = nullptr;
};

}  // namespace rig::net
