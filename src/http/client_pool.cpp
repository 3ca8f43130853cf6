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

#include "http/client_connection.hpp"
#include "http/outbound_url.hpp"

namespace rig::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
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
    // A check's answer is its status; the body is not used.
    parser.body_limit(std::size_t{64} * 1024);
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (rec) {
        out.ec = rec;
        co_return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.keep_alive = parser.get().keep_alive();
    co_return out;
}

// Not a coroutine: the round trip on whichever stream `conn` is, awaited at once by the caller.
asio::awaitable<exchange_result> exchange_on(client_connection& conn, const request& req) {
    return conn.visit([&req](auto& stream) { return round_trip(stream, req); });
}

request build_request(const outbound_url& u, const std::string& content_type,
                      const std::string& authorization, std::string body) {
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
    return req;
}

std::string timed_out(std::chrono::milliseconds timeout) {
    return "timed out after " + std::to_string(timeout.count()) + " ms";
}

}  // namespace

client_pool::client_pool(asio::io_context& io, client_tls tls, std::size_t max_idle_per_host)
    : io_(io), tls_(std::move(tls)), idle_(std::make_unique<idle_connections>(max_idle_per_host)) {}

client_pool::~client_pool() = default;

void client_pool::close_idle() {
    idle_->clear();
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

    const request req = build_request(u, content_type, authorization, std::move(body));

    // A pooled connection may have been closed by the server meanwhile: one retry on a fresh
    // connection covers that. The retry never takes another pooled one: after a restart of the
    // service every pooled connection is dead, and a second stale one would deny the request.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto conn = attempt == 0 ? idle_->take(u.pool_key) : nullptr;
        const bool reused = conn != nullptr;
        if (!conn) {
            std::string error;
            conn =
                co_await open_client_connection(io_, tls_, u.tls, u.host, u.port, timeout, error);
            if (!conn) {
                co_return client_result{0, std::move(error)};
            }
        }
        conn->tcp().expires_after(timeout);
        const exchange_result res = co_await exchange_on(*conn, req);
        if (res.ec) {
            if (reused && res.ec != beast::error::timeout) {
                continue;  // stale pooled connection
            }
            co_return client_result{
                0, res.ec == beast::error::timeout ? timed_out(timeout) : res.ec.message()};
        }
        if (res.keep_alive) {
            idle_->give_back(u.pool_key, std::move(conn));
        }
        co_return client_result{res.status, {}};
    }
    co_return client_result{0, "connection closed by " + where};
}

}  // namespace rig::http
