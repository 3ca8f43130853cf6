#include "http/client_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rig::http {
namespace beast = boost::beast;

asio::awaitable<std::unique_ptr<client_connection>> open_client_connection(
    asio::io_context& io, const client_tls& tls, bool use_tls, const std::string& host,
    const std::string& port, std::chrono::milliseconds timeout, std::string& error) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    const std::string where = host + ":" + port;
    if (use_tls && !tls) {
        error = "https:// is not set up for outbound calls";
        co_return nullptr;
    }
    tcp::resolver resolver(io);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
    if (rec) {
        error = "cannot resolve " + host + ": " + rec.message();
        co_return nullptr;
    }
    auto conn = use_tls ? std::make_unique<client_connection>(io, *tls)
                        : std::make_unique<client_connection>(io);
    conn->tcp().expires_after(timeout);
    auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, use_tuple);
    if (cec) {
        error = "cannot connect to " + where + ": " + cec.message();
        co_return nullptr;
    }
    conn->tcp().socket().set_option(tcp::no_delay(true));
    // A plain connection's request goes out by a non-blocking write_some (the API gateway's
    // backend_client); without this Asio would emulate a blocking one when the socket is full.
    conn->tcp().socket().non_blocking(true);
    if (auto* tls_stream = std::get_if<client_connection::tls_stream>(&conn->stream)) {
        if (auto err = expect_server_name(tls_stream->native_handle(), host)) {
            error = std::move(*err);
            co_return nullptr;
        }
        conn->tcp().expires_after(timeout);
        auto [hec] =
            co_await tls_stream->async_handshake(asio::ssl::stream_base::client, use_tuple);
        if (hec) {
            error = hec == beast::error::timeout
                        ? "TLS handshake with " + where + " timed out after " +
                              std::to_string(timeout.count()) + " ms"
                        : handshake_failure(tls_stream->native_handle(), hec, where);
            co_return nullptr;
        }
    }
    co_return conn;
}

std::unique_ptr<client_connection> idle_connections::take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) {
        return nullptr;
    }
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    return conn;
}

void idle_connections::give_back(const std::string& key, std::unique_ptr<client_connection> conn) {
    auto& idle = idle_[key];
    if (idle.size() < max_) {
        conn->tcp().expires_never();
        idle.push_back(std::move(conn));
    }
}

}  // namespace rig::http
