#include "proxy/backend_client.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <variant>

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/client_connection.hpp"
#include "http/read_message.hpp"
#include "net/cross_shard.hpp"
#include "proxy/answer_parser.hpp"

namespace rig::proxy {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t stream_chunk_bytes = std::size_t{64} * 1024;
// One piece of a streamed body, on the heap: too large for a coroutine frame.
using stream_chunk = std::array<char, stream_chunk_bytes>;

// The answer as the client gets it: its head and, when small, its whole body; the same
// parser streams a larger body.
using head_parser = answer_parser;
using client_connection_tls = http::client_connection::tls_stream;

log::rate_limited backend_log{10};

// Completes one write on a response channel into the awaiting coroutine. (The outcome is
// wrapped: Asio takes a bare error_code argument as the operation's failure.)
struct write_outcome {
    http::error_code ec;
};

struct write_waiter final : http::channel_user {
    // Virtual only for clang-tidy 14, which does not exempt final classes from
    // virtual-class-destructor; make_shared destroys it as a write_waiter.
    virtual ~write_waiter() = default;
    std::function<void(write_outcome)> done;
    void on_written(const http::error_code& ec) override { std::exchange(done, nullptr)({ec}); }
    void on_readable(const http::error_code&) override {}
};

// True when the frames were written; false when the client went away.
asio::awaitable<bool> write_frames(http::response_channel& channel,
                                   std::span<const core::frame> frames) {
    const auto outcome = co_await net::await_callback<write_outcome>([&channel, frames](auto done) {
        auto waiter = std::make_shared<write_waiter>();
        waiter->done = std::move(done);
        channel.write(frames, std::move(waiter));
    });
    co_return !outcome.ec;
}

bool has_body(http::verb method) {
    return method == http::verb::post || method == http::verb::put || method == http::verb::patch;
}

forward_result failed(forward_outcome outcome) {
    forward_result result;
    result.outcome = outcome;
    return result;
}

// Whether the client's body is still to be read: it is then streamed to the backend.
bool streams_body(const http::request_body* upload) {
    return upload != nullptr && !upload->done();
}

// The head of a request whose body is at hand, written by hand: it goes out with the body in
// one gathered write (one system call). Empty for a streamed body (send_streamed's own).
std::string request_head(const backend_request& req, std::string_view body, bool streaming) {
    std::string head;
    if (!streaming) {
        append_request_head(
            head, req,
            has_body(req.method) ? std::optional<std::uint64_t>(body.size()) : std::nullopt);
    }
    return head;
}

// The head and the body as one gathered write.
std::array<asio::const_buffer, 2> gathered(const std::string& head, const backend_request& req,
                                           std::string_view body) {
    return {asio::buffer(head),
            has_body(req.method) ? asio::buffer(body.data(), body.size()) : asio::const_buffer()};
}

// Opens a new connection to `to`; null (the reason logged) when that fails.
asio::awaitable<std::unique_ptr<http::client_connection>> open_connection(
    asio::io_context& io, const http::client_tls& tls, const backend_address& to,
    std::chrono::milliseconds timeout) {
    std::string error;
    auto conn =
        co_await http::open_client_connection(io, tls, to.tls, to.host, to.port, timeout, error);
    if (!conn) {
        backend_log.info("proxy: {}", error);
    }
    co_return conn;
}

// The answer's deadline: kept by backend_deadlines rather than by the tcp_stream's timer,
// which would be armed and cancelled for every read and write. When it runs out the socket
// is closed, which ends the pending operation.
class answer_deadline {
public:
    answer_deadline(backend_deadlines& deadlines, std::chrono::milliseconds timeout,
                    http::client_connection& conn)
        : deadlines_(deadlines), timeout_(timeout), conn_(&conn) {}

    // Counts the timeout anew from now.
    void start() {
        due_.reset();
        due_.emplace(deadlines_, timeout_, [c = conn_] {
            beast::error_code ignored;
            c->tcp().socket().close(ignored);
        });
    }

    void stop() { due_.reset(); }

    bool expired() const { return due_ && due_->expired(); }

    // Whether `ec` means the answer did not come in time (else the connection failed).
    bool timed_out(const beast::error_code& ec) const {
        return ec == beast::error::timeout || expired();
    }

    forward_outcome outcome_of(const beast::error_code& ec) const {
        return timed_out(ec) ? forward_outcome::timed_out : forward_outcome::unreachable;
    }

    std::string describe(const beast::error_code& ec) const {
        return timed_out(ec) ? "no answer in time" : ec.message();
    }

private:
    backend_deadlines& deadlines_;
    std::chrono::milliseconds timeout_;
    http::client_connection* conn_;
    std::optional<backend_deadlines::watch> due_;
};

// How sending went: `ec` is the backend's failure, or the client's when `body_broke`.
struct sent_request {
    beast::error_code ec;
    bool body_broke = false;
    std::size_t written = 0;  // of a buffered request, by send_now()
    bool rest = false;        // send_now() left some of it for send_rest()
};

// Starts the answer's deadline and writes what a plain connection's socket takes of `wire`
// now (mostly all of it: one system call, no asynchronous operation; nothing on TLS).
sent_request send_now(http::client_connection& conn, const std::array<asio::const_buffer, 2>& wire,
                      bool reused, answer_deadline& deadline) {
    if (!reused) {
        conn.tcp().expires_never();  // the connect's timeout is spent
    }
    deadline.start();  // the answer's deadline counts from the start
    sent_request sent;
    if (auto* plain = std::get_if<beast::tcp_stream>(&conn.stream)) {
        sent.written = plain->socket().write_some(wire, sent.ec);
        if (sent.ec == asio::error::would_block) {
            sent.ec = {};
        }
    }
    sent.rest = !sent.ec && sent.written < asio::buffer_size(wire);
    return sent;
}

// Writes what send_now() left of `wire`.
asio::awaitable<beast::error_code> send_rest(http::client_connection& conn,
                                             const std::array<asio::const_buffer, 2>& wire,
                                             std::size_t sent) {
    auto rest = beast::buffers_suffix<std::array<asio::const_buffer, 2>>(wire);
    rest.consume(sent);
    auto [ec, n] =
        co_await conn.visit([&](auto& s) { return asio::async_write(s, rest, use_tuple); });
    co_return ec;
}

// Writes the head of `req`, then `body` as it arrives, each write within `timeout`; the
// answer's deadline then counts from the body's end.
asio::awaitable<sent_request> send_streamed(http::client_connection& conn,
                                            const backend_request& req, http::request_body& body,
                                            std::chrono::milliseconds timeout,
                                            answer_deadline& deadline) {
    bhttp::request<bhttp::buffer_body> out{req.method, req.target, 11};
    for (const auto& [name, value] : req.headers) {
        out.insert(name, value);
    }
    if (const auto length = body.length()) {
        out.content_length(*length);
    } else {
        out.chunked(true);
    }
    out.keep_alive(true);
    out.body().data = nullptr;
    out.body().more = true;
    bhttp::request_serializer<bhttp::buffer_body> serializer{out};
    conn.tcp().expires_after(timeout);
    auto [ec, n] = co_await conn.visit(
        [&](auto& s) { return bhttp::async_write_header(s, serializer, use_tuple); });
    const auto buf = std::make_unique<stream_chunk>();
    while (!ec && !serializer.is_done()) {
        auto [rec, got] = co_await body.read_some(asio::buffer(buf->data(), buf->size()));
        if (rec) {
            co_return sent_request{rec, true};
        }
        out.body().data = got > 0 ? buf->data() : nullptr;
        out.body().size = got;
        out.body().more = !body.done();
        conn.tcp().expires_after(timeout);
        std::tie(ec, n) = co_await conn.visit(
            [&](auto& s) { return bhttp::async_write(s, serializer, use_tuple); });
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
    }
    conn.tcp().expires_never();
    deadline.start();
    co_return sent_request{ec, false};
}

// Reads the answer over TLS, with Beast's operations.
asio::awaitable<beast::error_code> read_tls_answer(client_connection_tls& tls,
                                                   beast::flat_buffer& buffer, head_parser& parser,
                                                   http::read_goal goal) {
    auto [ec, n] = goal == http::read_goal::head
                       ? co_await bhttp::async_read_header(tls, buffer, parser, use_tuple)
                       : co_await bhttp::async_read(tls, buffer, parser, use_tuple);
    co_return ec;
}

// Reads the answer's head or the whole answer into `parser`. Not a coroutine itself: a
// plain connection's read is read_message's own, one coroutine frame less per request.
asio::awaitable<beast::error_code> read_answer(http::client_connection& conn, head_parser& parser,
                                               http::read_goal goal) {
    if (auto* plain = std::get_if<beast::tcp_stream>(&conn.stream)) {
        return http::read_message(http::socket_source{plain->socket()}, conn.buffer, parser, goal);
    }
    return read_tls_answer(std::get<client_connection_tls>(conn.stream), conn.buffer, parser, goal);
}

// Whether a request that failed on a reused connection goes again on a new one: the backend
// closed the idle connection meanwhile. Not when the answer is late, nor when the request may
// have reached the backend and must not be repeated (POST, PATCH).
bool send_again(bool reused, http::verb method, const beast::error_code& send_ec,
                const beast::error_code& ec, const answer_deadline& deadline) {
    return reused && !deadline.timed_out(ec) &&
           (send_ec || (method != http::verb::post && method != http::verb::patch));
}

// What the handling of an answer says: the result, and whether the connection may serve
// another request.
struct answer_done {
    forward_result result;
    bool reusable = false;
};

// How an answer goes to the client.
struct answer_plan {
    std::size_t whole_limit = 0;               // answers of a known length up to it are read whole
    std::chrono::milliseconds read_timeout{};  // per read of a streamed answer
    bool head_only = false;                    // the client asked HEAD
    std::string_view key;                      // for the log
    std::string_view target;
};

// Whether the answer is read whole and sent as one response.
bool small_answer(const head_parser& parser, std::size_t limit) {
    const auto length = parser.content_length();
    return parser.is_done() || (length && *length <= limit);
}

// Parses what of a small answer's body came with the head (mostly all of it) from the
// buffer, without an asynchronous read.
beast::error_code parse_buffered_body(http::client_connection& conn, head_parser& parser,
                                      std::size_t limit) {
    parser.body_limit(limit);
    parser.eager(true);
    return http::parse_buffered(conn.buffer, parser, [&] { return parser.is_done(); })
        .value_or(beast::error_code{});
}

// The head of a streamed answer: framed by its length when known, else chunked on HTTP/1.1.
http::response streamed_head(http::response head, boost::optional<std::uint64_t> length,
                             bool chunked) {
    if (length) {
        head.set(http::field::content_length, std::to_string(*length));
    } else if (chunked) {
        head.set(http::field::transfer_encoding, "chunked");
    }
    return head;
}

// The frames that send `data`, as an HTTP/1.1 chunk when `chunked`; `size_line` keeps the
// chunk's size line while they are written.
std::span<const core::frame> chunk_frames(std::array<core::frame, 3>& frames,
                                          std::string& size_line, std::string_view data,
                                          bool chunked) {
    std::size_t count = 0;
    if (chunked) {
        size_line = fmt::format("{:x}\r\n", data.size());
        frames[count++] = core::static_frame(size_line);
    }
    frames[count++] = core::static_frame(data);
    if (chunked) {
        frames[count++] = core::static_frame("\r\n");
    }
    return {frames.data(), count};
}

// Passes the body on as it arrives, one buffer at a time, each read under the tcp_stream's
// own timer. False when it broke off or the client went away.
asio::awaitable<bool> relay_body(http::client_connection& conn, head_parser& streamed,
                                 http::response_channel& channel, bool chunked,
                                 const answer_plan& plan) {
    const auto buf = std::make_unique<stream_chunk>();
    while (!streamed.is_done()) {
        streamed.stream_into(buf->data(), buf->size());
        conn.tcp().expires_after(plan.read_timeout);
        auto [ec, n] = co_await conn.visit(
            [&](auto& s) { return bhttp::async_read(s, conn.buffer, streamed, use_tuple); });
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            backend_log.info("proxy: {} {}: the answer broke off: {}", plan.key, plan.target,
                             ec.message());
            co_return false;
        }
        const std::size_t got = streamed.streamed();
        if (got == 0 || plan.head_only) {
            continue;
        }
        std::string size_line;
        std::array<core::frame, 3> frames;
        if (!co_await write_frames(channel,
                                   chunk_frames(frames, size_line, {buf->data(), got}, chunked))) {
            co_return false;  // the client went away
        }
    }
    co_return true;
}

// Streams a large answer, or one of unknown length, to the client of `ex` (which is taken).
// True when the connection may serve another request.
asio::awaitable<bool> stream_answer(http::exchange& ex, http::client_connection& conn,
                                    head_parser& parser, const answer_plan& plan) {
    const auto length = parser.content_length();
    parser.body_limit(boost::none);
    const bool chunked = !length && ex.proto() == http::protocol::http1;
    // The head goes out now; the parser keeps filling only the relay's buffer.
    auto channel = ex.take(streamed_head(std::move(parser.response()), length, chunked));
    bool sent_whole = co_await relay_body(conn, parser, *channel, chunked, plan);
    if (sent_whole && chunked && !plan.head_only) {
        const core::frame last = core::static_frame("0\r\n\r\n");
        sent_whole = co_await write_frames(*channel, std::span(&last, 1));
    }
    if (sent_whole) {
        channel->end();
    } else {
        channel->close();
    }
    const bool reusable = sent_whole && parser.keep_alive();
    co_return reusable;
}

// The outcome of a small answer read whole (or not: `ec`).
answer_done whole_answer(head_parser& parser, const answer_deadline& deadline,
                         const beast::error_code& ec) {
    answer_done done;
    done.result.status = parser.response().result_int();
    if (ec) {
        done.result.outcome = deadline.outcome_of(ec);
        return done;
    }
    done.result.response = std::move(parser.response());
    done.reusable = parser.keep_alive() && !deadline.expired();
    return done;
}

// A small answer finished from what came with its head, when that was all of it (or the
// parser failed on it); nothing when more must be read, or it is streamed.
std::optional<answer_done> answer_at_once(http::client_connection& conn, head_parser& parser,
                                          const answer_deadline& deadline,
                                          const answer_plan& plan) {
    if (!small_answer(parser, plan.whole_limit)) {
        return std::nullopt;
    }
    const beast::error_code ec = parse_buffered_body(conn, parser, plan.whole_limit);
    if (!ec && !parser.is_done()) {
        return std::nullopt;
    }
    return whole_answer(parser, deadline, ec);
}

// The answer's head read `ec`, or timeout when the deadline ran out as it arrived (the
// socket is closed: it counts as none).
beast::error_code head_outcome(const beast::error_code& ec, const answer_deadline& deadline) {
    return !ec && deadline.expired() ? beast::error_code(beast::error::timeout) : ec;
}

// Answers the client with the answer whose head `parser` read: a small one read whole and
// returned (the client's connection kept alive), a larger one streamed through. For a small
// answer, what came with the head was parsed already (parse_buffered_body): one whose body
// came whole with its head needs no coroutine, and does not come here.
asio::awaitable<answer_done> answer_client(http::exchange& ex, http::client_connection& conn,
                                           head_parser& parser, answer_deadline& deadline,
                                           const answer_plan& plan) {
    answer_done done;
    done.result.status = parser.response().result_int();
    if (!small_answer(parser, plan.whole_limit)) {
        deadline.stop();  // each streamed read has its own timeout
        done.reusable = co_await stream_answer(ex, conn, parser, plan);
        co_return done;
    }
    deadline.start();  // the body's own deadline, as for the head
    const beast::error_code ec = co_await read_answer(conn, parser, http::read_goal::whole);
    co_return whole_answer(parser, deadline, ec);
}

}  // namespace

bool hop_by_hop(std::string_view name) {
    static constexpr std::array<std::string_view, 8> names = {
        "connection",     "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "http2-settings", "te",         "trailer"};
    for (auto n : names) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

backend_client::backend_client(asio::io_context& io, http::client_tls tls, backend_limits limits)
    : io_(io),
      tls_(std::move(tls)),
      limits_(limits),
      idle_(std::make_unique<http::idle_connections>(limits.max_idle_per_backend)),
      deadlines_(io) {}

backend_client::~backend_client() = default;

void backend_client::close_idle() {
    idle_->clear();
    deadlines_.close();
}

asio::awaitable<forward_result> backend_client::forward(
    http::exchange& ex, const backend_address& to, const backend_request& req,
    std::string_view body, http::request_body* upload, bool head_only) {
    const bool streaming = streams_body(upload);
    const std::string head_bytes = request_head(req, body, streaming);
    const auto wire = gathered(head_bytes, req, body);
    const std::string& key = to.pool_key;
    const answer_plan plan{limits_.buffer_response_bytes, limits_.recv_timeout, head_only, key,
                           req.target};
    for (int attempt = 0; attempt < 2; ++attempt) {
        // A streamed body cannot be sent again: it gets a new connection, never a reused one.
        auto conn = streaming ? nullptr : idle_->take(key);
        const bool reused = conn != nullptr;
        if (!reused) {
            conn = co_await open_connection(io_, tls_, to, limits_.connect_timeout);
        }
        if (!conn) {
            co_return failed(forward_outcome::unreachable);
        }
        answer_deadline deadline{deadlines_, limits_.recv_timeout, *conn};
        sent_request sent =
            streaming ? co_await send_streamed(*conn, req, *upload, limits_.recv_timeout, deadline)
                      : send_now(*conn, wire, reused, deadline);
        if (sent.rest) {
            sent.ec = co_await send_rest(*conn, wire, sent.written);
        }
        if (sent.body_broke) {
            backend_log.info("proxy: {} {}: the client's body broke off: {}", key, req.target,
                             sent.ec.message());
            co_return failed(forward_outcome::body_broke);
        }
        head_parser parser;
        // No limit while reading the head: Beast would refuse a longer declared length there,
        // and a long answer is streamed, not refused.
        parser.body_limit(boost::none);
        beast::error_code ec = sent.ec;
        if (!ec) {
            ec = head_outcome(co_await read_answer(*conn, parser, http::read_goal::head), deadline);
        }
        if (ec) {
            if (send_again(reused, req.method, sent.ec, ec, deadline)) {
                continue;
            }
            backend_log.info("proxy: {} {}: {}", key, req.target, deadline.describe(ec));
            co_return failed(deadline.outcome_of(ec));
        }
        std::optional<answer_done> done = answer_at_once(*conn, parser, deadline, plan);
        if (!done) {
            done.emplace(co_await answer_client(ex, *conn, parser, deadline, plan));
        }
        if (done->reusable) {
            idle_->give_back(key, std::move(conn));
        }
        co_return std::move(done->result);
    }
    co_return failed(forward_outcome::unreachable);
}

}  // namespace rig::proxy
