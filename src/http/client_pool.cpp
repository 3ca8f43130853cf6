#include "http/client_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <variant>

#include "http/outbound_url.hpp"

namespace rig::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using request = bhttp::request<bhttp::string_body>;

struct exchange_result {
    beast::error_code ec;
    int status = 0;
    bool keep_alive = false;
};

// One request and its response on an open connection, plain or TLS.
template <class Stream>
asio::awaitable<exchange_result> round_trip(Stream& stream, const request& req) {
    exchange_result out;
    auto [wec, wn] = co_await bhttp::async_write(stream, req, use_tuple);
    if (wec) {
        out.ec = wec;
        co_return out;
    }
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024);  // a check's answer is its status; the body is not used
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (rec) {
        out.ec = rec;
        co_return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.keep_alive = parser.get().keep_alive();
    co_return out;
}

std::string timed_out(std::chrono::milliseconds timeout) {
    return "timed out after " + std::to_string(timeout.count()) + " ms";
}

}  // namespace

struct client_pool::connection {
    explicit connection(asio::io_context& io) : stream(std::in_place_type<beast::tcp_stream>, io) {}
    connection(asio::io_context& io, asio::ssl::context& tls)
        : stream(std::in_place_type<tls_stream>, io, tls) {}

    beast::tcp_stream& tcp() {
        return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                          stream);
    }

    std::variant<beast::tcp_stream, tls_stream> stream;
};

client_pool::client_pool(asio::io_context& io, client_tls tls, std::size_t max_idle_per_host)
    : io_(io), tls_(std::move(tls)), max_idle_(max_idle_per_host) {}

client_pool::~client_pool() = default;

void client_pool::close_idle() {
    idle_.clear();
}

asio::awaitable<client_result> client_pool::post(std::string url, std::string content_type,
                                                 std::string authorization, std::string body,
                                                 std::chrono::milliseconds timeout) {
    const auto parsed = parse_outbound_url(url);
    if (!parsed) {
        co_return client_result{0, parsed.error().message + ": " + url};
    }
    const outbound_url& u = *parsed;
    if (u.tls && !tls_) {
        co_return client_result{0, "https:// is not set up for outbound calls: " + url};
    }
    const std::string where = u.host + ":" + u.port;

    request req{bhttp::verb::post, u.target, 11};
    req.set(bhttp::field::host, u.host_header);
    req.set(bhttp::field::user_agent, "rig");
    req.set(bhttp::field::content_type, content_type);
    if (!authorization.empty()) {
        req.set(bhttp::field::authorization, authorization);
    }
    req.body() = std::move(body);
    req.keep_alive(true);
    req.prepare_payload();

    // A pooled connection may have been closed by the server meanwhile: one retry on a fresh
    // connection covers that.
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<connection> conn;
        bool reused = false;
        if (auto it = idle_.find(u.pool_key); it != idle_.end() && !it->second.empty()) {
            conn = std::move(it->second.back());
            it->second.pop_back();
            reused = true;
        } else {
            tcp::resolver resolver(io_);
            auto [rec, endpoints] = co_await resolver.async_resolve(u.host, u.port, use_tuple);
            if (rec) {
                co_return client_result{0, "cannot resolve " + u.host + ": " + rec.message()};
            }
            conn = u.tls ? std::make_unique<connection>(io_, *tls_)
                         : std::make_unique<connection>(io_);
            conn->tcp().expires_after(timeout);
            auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, use_tuple);
            if (cec) {
                co_return client_result{0, "cannot connect to " + where + ": " + cec.message()};
            }
            if (auto* tls = std::get_if<tls_stream>(&conn->stream)) {
                if (auto err = expect_server_name(tls->native_handle(), u.host)) {
                    co_return client_result{0, std::move(*err)};
                }
                auto [hec] =
                    co_await tls->async_handshake(asio::ssl::stream_base::client, use_tuple);
                if (hec) {
                    co_return client_result{
                        0, hec == beast::error::timeout
                               ? "TLS handshake with " + where + " " + timed_out(timeout)
                               : handshake_failure(tls->native_handle(), hec, where)};
                }
            }
        }
        conn->tcp().expires_after(timeout);
        exchange_result res;
        if (auto* plain = std::get_if<beast::tcp_stream>(&conn->stream)) {
            res = co_await round_trip(*plain, req);
        } else {
            res = co_await round_trip(std::get<tls_stream>(conn->stream), req);
        }
        if (res.ec) {
            if (reused && res.ec != beast::error::timeout) {
                continue;  // stale pooled connection
            }
            co_return client_result{
                0, res.ec == beast::error::timeout ? timed_out(timeout) : res.ec.message()};
        }
        auto& idle = idle_[u.pool_key];
        if (res.keep_alive && idle.size() < max_idle_) {
            conn->tcp().expires_never();
            idle.push_back(std::move(conn));
        }
        co_return client_result{res.status, {}};
    }
    co_return client_result{0, "connection closed by " + where};
}

}  // namespace rig::http
