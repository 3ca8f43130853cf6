#include <boost/json/parse.hpp>
#include <cctype>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"
#include "transport/connect_request.hpp"
#include "transport/endpoints.hpp"
#include "transport/longpoll_session.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {
namespace {

log::rate_limited refused_log{10};

constexpr std::string_view first_event = "first_event";

// cookie-octet (RFC 6265) minus '%', which we use as the escape.
bool is_cookie_octet(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b && c != 0x25) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

// last_event_id travels JSON-encoded, as in RIG ("first_event" with its quotes). Characters
// a cookie cannot hold inside the quotes are percent-encoded.
std::string encode_last_event_id(std::string_view id) {
    const std::string quoted = core::json_quote(id);
    std::string out = "\"";
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        const auto c = static_cast<unsigned char>(quoted[i]);
        if (is_cookie_octet(c)) {
            out += static_cast<char>(c);
        } else {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out += '"';
    return out;
}

std::string decode_last_event_id(std::string_view cookie) {
    std::string text;
    for (std::size_t i = 0; i < cookie.size(); ++i) {
        if (cookie[i] == '%' && i + 2 < cookie.size() &&
            std::isxdigit(static_cast<unsigned char>(cookie[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(cookie[i + 2]))) {
            text += static_cast<char>(std::stoi(std::string(cookie.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            text += cookie[i];
        }
    }
    boost::json::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_string()) {
        return std::string(first_event);
    }
    return std::string(v.get_string());
}

http::response longpoll_response(const node_context& node, std::string body,
                                 const std::string& token, std::string_view last_event_id) {
    auto res = http::make_response(http::status::ok, std::move(body), http::json_type);
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::access_control_allow_origin, node.options.cors_origin);
    res.set(http::field::access_control_allow_credentials, "true");
    res.insert(http::field::set_cookie, "connection_token=" + token + "; path=/; HttpOnly");
    res.insert(http::field::set_cookie,
               "last_event_id=" + encode_last_event_id(last_event_id) + "; path=/; HttpOnly");
    return res;
}

http::response cors_error(const node_context& node, const core::error& e) {
    auto res = http::make_error(e);
    res.set(http::field::access_control_allow_origin, node.options.cors_origin);
    res.set(http::field::access_control_allow_credentials, "true");
    return res;
}

}  // namespace

handler_result longpoll(shard_context& shard, http::exchange& ex) {
    node_context& node = shard.node;
    const auto& req = ex.req();

    // A poll of a live session. A missing, garbled or stale cookie starts a new session
    // (RIG answers 500 to a garbled one).
    if (auto token = http::cookie(req, "connection_token"); token && !token->empty()) {
        connection_address addr;
        if (node.tokens.decode(*token, addr) == token_codec::verdict::ok &&
            addr.shard < node.shards.size()) {
            const auto last = http::cookie(req, "last_event_id");
            std::string last_id = last ? decode_last_event_id(*last) : std::string(first_event);
            shard_context* owner = node.shards[addr.shard];
            // Named, not a temporary in the co_await expression (GCC 12 coroutine bug).
            auto poll = [owner, addr, last_id = std::move(last_id)](auto done) mutable {
                auto conn = owner->find(addr);
                if (!conn || conn->type() != connection::kind::longpoll) {
                    done(std::nullopt);
                    return;
                }
                static_cast<longpoll_session&>(*conn).poll(
                    std::move(last_id), [done](poll_result r) mutable { done(std::move(r)); });
            };
            auto result = co_await net::run_on<std::optional<poll_result>>(owner->io.get_executor(),
                                                                           std::move(poll));
            if (result) {
                co_return longpoll_response(node, std::move(result->body), *token,
                                            result->last_event_id);
            }
        }
    }

    if (shard.draining()) {
        co_return cors_error(node, {core::condition::unavailable, "Server shutting down."});
    }
    if (!node.rate_limiter.try_acquire()) {
        refused_log.info("longpolling: connect refused: MAX_CONNECTIONS_PER_MINUTE reached");
        co_return http::make_error(http::status::too_many_requests,
                                   "Reached maximum number of connections");
    }
    const connect_params params = read_connect_params(req);
    auto resolved = resolve_connect(node, params, connect_flavor::longpoll);
    if (resolved.failure) {
        refused_log.info("longpolling: connect refused: {}", resolved.failure->error.message);
        co_return cors_error(node, resolved.failure->error);
    }
    // RIG skips the subscription check and the session on long polling; rig does not.
    if (auto v = co_await check_connect(shard, params, resolved); !v.allowed) {
        refused_log.info("longpolling: subscription denied: {}", v.reason);
        co_return cors_error(node, core::bad_request("Subscription denied (not authorized)."));
    }
    auto session = std::make_shared<longpoll_session>(shard);
    session->open();
    if (resolved.session) {
        session->join_session(*resolved.session);
    }
    session->start();
    session->set_subscriptions(std::move(resolved.subscriptions));
    co_return longpoll_response(node, "\"ok\"", session->token(), first_event);
}

http::response preflight_longpoll(const shard_context& shard) {
    auto res = http::make_empty(http::status::no_content);
    res.set(http::field::access_control_allow_origin, shard.node.options.cors_origin);
    res.set(http::field::access_control_allow_methods, "GET");
    res.set(http::field::access_control_allow_headers, "*");
    res.set(http::field::access_control_allow_credentials, "true");
    return res;
}

}  // namespace rig::transport
