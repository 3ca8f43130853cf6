#include "proxy/backend_client.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
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
#include "net/cross_shard.hpp"

namespace rig::proxy {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t stream_chunk_bytes = 64 * 1024;

log::rate_limited backend_log{10};

std::string pool_key(const backend_address& a) {
    std::string key = a.tls ? "https://" : "http://";
    key.reserve(key.size() + a.host.size() + 1 + a.port.size());
    key += a.host;
    key += ':';
    key += a.port;
    return key;
}

// Completes one write on a response channel into the awaiting coroutine. (The outcome is
// wrapped: Asio takes a bare error_code argument as the operation's failure.)
struct write_outcome {
    http::error_code ec;
};

struct write_waiter final : http::channel_user {
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

// The backend's headers as the client gets them: names in lower case (RIG's), without
// hop-by-hop headers and without the framing the answer gets anew.
template <class Fields>
void copy_answer_headers(const Fields& from, http::response& to) {
    std::string name;  // one buffer for all the names
    for (const auto& f : from) {
        const auto given = f.name_string();
        name.resize(given.size());
        for (std::size_t i = 0; i < given.size(); ++i) {
            const char c = given[i];
            name[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        }
        if (hop_by_hop(name) || name == "content-length") {
            continue;
        }
        to.insert(name, f.value());
    }
}

bool has_body(http::verb method) {
    return method == http::verb::post || method == http::verb::put || method == http::verb::patch;
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

asio::awaitable<beast::error_code> backend_client::send_streamed(http::client_connection& conn,
                                                                 const backend_request& req,
                                                                 http::request_body& body,
                                                                 bool& body_broke) {
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
    conn.tcp().expires_after(limits_.recv_timeout);
    auto [ec, n] = co_await conn.visit(
        [&](auto& s) { return bhttp::async_write_header(s, serializer, use_tuple); });
    auto buf = std::make_unique<char[]>(stream_chunk_bytes);
    while (!ec && !serializer.is_done()) {
        auto [rec, got] = co_await body.read_some(asio::buffer(buf.get(), stream_chunk_bytes));
        if (rec) {
            body_broke = true;
            co_return rec;
        }
        out.body().data = got > 0 ? buf.get() : nullptr;
        out.body().size = got;
        out.body().more = !body.done();
        conn.tcp().expires_after(limits_.recv_timeout);
        std::tie(ec, n) = co_await conn.visit(
            [&](auto& s) { return bhttp::async_write(s, serializer, use_tuple); });
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
    }
    co_return ec;
}

asio::awaitable<forward_result> backend_client::forward(
    http::exchange& ex, const backend_address& to, const backend_request& req,
    std::string_view body, http::request_body* upload, bool head_only) {
    const bool streaming = upload != nullptr && !upload->done();
    // The head by hand, sent with the body in one gathered write (one system call).
    std::string head_bytes;
    const bool sends_body = has_body(req.method);
    if (!streaming) {
        append_request_head(head_bytes, req,
                            sends_body ? std::optional<std::uint64_t>(body.size()) : std::nullopt);
    }
    const std::array<asio::const_buffer, 2> wire = {
        asio::buffer(head_bytes),
        sends_body ? asio::buffer(body.data(), body.size()) : asio::const_buffer()};

    const std::string key = pool_key(to);
    forward_result result;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto conn = streaming ? nullptr : idle_->take(key);
        const bool reused = conn != nullptr;
        if (!conn) {
            std::string error;
            conn = co_await http::open_client_connection(io_, tls_, to.tls, to.host, to.port,
                                                         limits_.connect_timeout, error);
            if (!conn) {
                backend_log.info("proxy: {}", error);
                result.outcome = forward_outcome::unreachable;
                co_return result;
            }
        }

        // The answer's deadline: kept by deadlines_ rather than by the tcp_stream's timer,
        // which would be armed and cancelled for every read and write. When it runs out the
        // socket is closed, which ends the pending operation.
        std::optional<backend_deadlines::watch> answer_due;
        const auto watch_answer = [&] {
            answer_due.reset();
            answer_due.emplace(deadlines_, limits_.recv_timeout, [c = conn.get()] {
                beast::error_code ignored;
                c->tcp().socket().close(ignored);
            });
        };
        const auto timed_out = [&](const beast::error_code& e) {
            return e == beast::error::timeout || (answer_due && answer_due->expired());
        };
        beast::error_code wec;
        std::size_t wn = 0;
        if (streaming) {
            bool body_broke = false;
            wec = co_await send_streamed(*conn, req, *upload, body_broke);
            if (body_broke) {
                backend_log.info("proxy: {} {}: the client's body broke off: {}", key, req.target,
                                 wec.message());
                result.outcome = forward_outcome::body_broke;
                co_return result;
            }
            conn->tcp().expires_never();
            watch_answer();  // counted from the body's end
        } else {
            if (!reused) {
                conn->tcp().expires_never();  // the connect's timeout is spent
            }
            watch_answer();
            std::tie(wec, wn) = co_await conn->visit(
                [&](auto& s) { return asio::async_write(s, wire, use_tuple); });
        }
        bhttp::response_parser<bhttp::string_body> parser;
        // No limit while reading the head: Beast would refuse a longer declared length there,
        // and a long answer is streamed, not refused.
        parser.body_limit(boost::none);
        beast::error_code ec = wec;
        if (!ec) {
            std::tie(ec, wn) = co_await conn->visit([&](auto& s) {
                return bhttp::async_read_header(s, conn->buffer, parser, use_tuple);
            });
        }
        if (!ec && answer_due->expired()) {
            ec = beast::error::timeout;  // ran out as the head arrived: the socket is closed
        }
        if (ec) {
            // The backend closed the idle connection meanwhile: sent again on a new one, unless
            // the request may have reached it and must not be repeated (POST, PATCH).
            if (reused && !timed_out(ec) &&
                (wec || (req.method != http::verb::post && req.method != http::verb::patch))) {
                continue;
            }
            backend_log.info("proxy: {} {}: {}", pool_key(to), req.target,
                             timed_out(ec) ? "no answer in time" : ec.message());
            result.outcome =
                timed_out(ec) ? forward_outcome::timed_out : forward_outcome::unreachable;
            co_return result;
        }
        result.status = parser.get().result_int();

        const auto length = parser.content_length();
        if (parser.is_done() || (length && *length <= limits_.buffer_response_bytes)) {
            // Small: read whole, answer as one response, client connection kept alive.
            if (!parser.is_done()) {
                parser.body_limit(limits_.buffer_response_bytes);
                // The body mostly came with the head: parsed from the buffer at once, without
                // another asynchronous read.
                parser.eager(true);
                if (const auto have = conn->buffer.data(); have.size() > 0) {
                    conn->buffer.consume(parser.put(have, ec));
                    if (ec == bhttp::error::need_more) {
                        ec = {};
                    }
                }
            }
            if (!parser.is_done() && !ec) {
                watch_answer();  // the body's own deadline, as for the head
                std::tie(ec, wn) = co_await conn->visit(
                    [&](auto& s) { return bhttp::async_read(s, conn->buffer, parser, use_tuple); });
            }
            if (ec) {
                result.outcome =
                    timed_out(ec) ? forward_outcome::timed_out : forward_outcome::unreachable;
                co_return result;
            }
            auto& answer = parser.get();
            http::response res;
            res.result(answer.result_int());
            copy_answer_headers(answer, res);
            res.body() = std::move(answer.body());
            if (answer.keep_alive() && !answer_due->expired()) {
                idle_->give_back(key, std::move(conn));
            }
            result.response = std::move(res);
            co_return result;
        }

        // Large or of unknown length: streamed through, one buffer at a time, each read under
        // the tcp_stream's own timer.
        answer_due.reset();
        bhttp::response_parser<bhttp::buffer_body> streamed{std::move(parser)};
        streamed.body_limit(boost::none);
        http::response head;
        head.result(result.status);
        copy_answer_headers(streamed.get(), head);
        const bool chunked = !length && ex.proto() == http::protocol::http1;
        if (length) {
            head.set(http::field::content_length, std::to_string(*length));
        } else if (chunked) {
            head.set(http::field::transfer_encoding, "chunked");
        }
        auto channel = ex.take(head);
        auto buf = std::make_unique<char[]>(stream_chunk_bytes);
        bool sent_whole = true;
        while (!streamed.is_done()) {
            streamed.get().body().data = buf.get();
            streamed.get().body().size = stream_chunk_bytes;
            conn->tcp().expires_after(limits_.recv_timeout);
            std::tie(ec, wn) = co_await conn->visit(
                [&](auto& s) { return bhttp::async_read(s, conn->buffer, streamed, use_tuple); });
            if (ec == bhttp::error::need_buffer) {
                ec = {};
            }
            if (ec) {
                backend_log.info("proxy: {} {}: the answer broke off: {}", pool_key(to), req.target,
                                 ec.message());
                sent_whole = false;
                break;
            }
            const std::size_t got = stream_chunk_bytes - streamed.get().body().size;
            if (got == 0 || head_only) {
                continue;
            }
            std::string size_line;
            std::array<core::frame, 3> frames;
            std::size_t count = 0;
            if (chunked) {
                size_line = fmt::format("{:x}\r\n", got);
                frames[count++] = core::static_frame(size_line);
            }
            frames[count++] = core::static_frame(std::string_view(buf.get(), got));
            if (chunked) {
                frames[count++] = core::static_frame("\r\n");
            }
            if (!co_await write_frames(*channel, std::span(frames.data(), count))) {
                sent_whole = false;  // the client went away
                break;
            }
        }
        if (sent_whole && chunked && !head_only) {
            const core::frame last = core::static_frame("0\r\n\r\n");
            sent_whole = co_await write_frames(*channel, std::span(&last, 1));
        }
        if (sent_whole) {
            channel->end();
        } else {
            channel->close();
        }
        if (sent_whole && streamed.get().keep_alive()) {
            idle_->give_back(key, std::move(conn));
        }
        co_return result;
    }
    result.outcome = forward_outcome::unreachable;
    co_return result;
}

}  // namespace rig::proxy
