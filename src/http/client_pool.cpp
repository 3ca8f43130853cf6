#include "http/client_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace rig::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

asio::awaitable<client_result> client_pool::post(std::string url, std::string content_type,
                                                 std::string authorization, std::string body,
                                                 std::chrono::milliseconds timeout) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
        co_return client_result{0, "not an http:// URL: " + url};
    }
    const std::string host(parsed->host());
    const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
    std::string target(parsed->encoded_target());
    if (target.empty()) {
        target = "/";
    }
    const std::string key = host + ":" + port;

    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, key);
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
        std::optional<beast::tcp_stream> stream;
        bool reused = false;
        if (auto it = idle_.find(key); it != idle_.end() && !it->second.empty()) {
            stream.emplace(std::move(it->second.back()));
            it->second.pop_back();
            reused = true;
        } else {
            tcp::resolver resolver(io_);
            auto [rec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
            if (rec) {
                co_return client_result{0, "cannot resolve " + host + ": " + rec.message()};
            }
            stream.emplace(io_);
            stream->expires_after(timeout);
            auto [cec, ep] = co_await stream->async_connect(endpoints, use_tuple);
            if (cec) {
                co_return client_result{0, "cannot connect to " + key + ": " + cec.message()};
            }
        }
        stream->expires_after(timeout);
        auto [wec, wn] = co_await bhttp::async_write(*stream, req, use_tuple);
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024);
        beast::error_code rec2 = wec;
        if (!wec) {
            std::tie(rec2, wn) = co_await bhttp::async_read(*stream, buffer, parser, use_tuple);
        }
        if (rec2) {
            if (reused && rec2 != beast::error::timeout) {
                continue;  // stale pooled connection
            }
            co_return client_result{
                0, rec2 == beast::error::timeout
                       ? "timed out after " + std::to_string(timeout.count()) + " ms"
                       : rec2.message()};
        }
        const auto& res = parser.get();
        client_result out{static_cast<int>(res.result_int()), {}};
        auto& idle = idle_[key];
        if (res.keep_alive() && idle.size() < max_idle_) {
            stream->expires_never();
            idle.push_back(std::move(*stream));
        }
        co_return out;
    }
    co_return client_result{0, "connection closed by " + key};
}

}  // namespace rig::http
