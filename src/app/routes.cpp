#include "app/routes.hpp"

#include <openssl/crypto.h>

#include <boost/asio/post.hpp>
#include <boost/url/pct_string_view.hpp>

#include "admin/blacklist_request.hpp"
#include "admin/metrics.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "sources/http_publisher.hpp"
#include "transport/endpoints.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::app {
namespace {

using result = asio::awaitable<std::optional<http::response>>;

http::response method_not_allowed(std::string_view allow) {
    auto res = http::make_error(http::status::method_not_allowed, "Method not allowed.");
    res.set(http::field::allow, allow);
    return res;
}

http::response ok_text() {
    return http::make_response(http::status::ok, "OK", http::text_type);
}

// /_rig/v1/connection/{sse|ws|longpolling}/<token>/subscriptions → <token>
std::optional<std::string_view> subscriptions_token(std::string_view path) {
    constexpr std::string_view prefix = "/_rig/v1/connection/";
    constexpr std::string_view suffix = "/subscriptions";
    if (!path.starts_with(prefix) || !path.ends_with(suffix)) {
        return std::nullopt;
    }
    std::string_view mid = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    const auto slash = mid.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto kind = mid.substr(0, slash);
    const auto token = mid.substr(slash + 1);
    if ((kind != "sse" && kind != "ws" && kind != "longpolling") || token.empty() ||
        token.find('/') != std::string_view::npos) {
        return std::nullopt;
    }
    return token;
}

bool api_key_accepted(const std::string& key, const http::request& req) {
    if (key.empty()) {
        return true;
    }
    const std::string_view auth = req[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (auth.size() != scheme.size() + key.size() || !auth.starts_with(scheme)) {
        return false;
    }
    return CRYPTO_memcmp(auth.data() + scheme.size(), key.data(), key.size()) == 0;
}

std::string decode_path_segment(std::string_view s) {
    auto decoded = boost::urls::make_pct_string_view(s);
    return decoded ? decoded->decode() : std::string(s);
}

// POST /v{2,3}/session-blacklist: validate, add, and end the session's connections on every
// shard at once.
http::response blacklist_session(transport::shard_context& shard, const http::request& req,
                                 std::string_view path) {
    auto parsed = admin::parse_blacklist_request(req[http::field::content_type], req.body());
    if (!parsed) {
        return http::make_error(parsed.error());
    }
    auto& node = shard.node;
    node.blacklist->add(parsed->session_id, std::chrono::system_clock::now() +
                                                std::chrono::seconds(parsed->validity_seconds));
    for (auto* s : node.shards) {
        asio::post(s->io, [s, id = parsed->session_id] { s->kill_session(id); });
    }
    log::info("session blacklisted for {} s: {}", parsed->validity_seconds, parsed->session_id);
    auto res = http::make_response(http::status::created, "{}", http::json_type);
    res.set(http::field::location, std::string(path) + "/" + parsed->session_id);
    res.set(http::field::access_control_allow_origin, "*");
    return res;
}

}  // namespace

http::handler make_inbound_routes(transport::shard_context& shard,
                                  const sources::http_publisher& publisher) {
    return [&shard, &publisher](http::exchange& ex) -> result {
        const auto& req = ex.req();
        const std::string_view path = http::target_path(req.target());
        const auto method = req.method();

        if (path == "/_rig/v1/connection/sse") {
            // RIG's SSE handler answers any method.
            co_return co_await transport::sse_connect(shard, ex);
        }
        if (path == "/_rig/v1/connection/ws") {
            co_return co_await transport::ws_connect(shard, ex);
        }
        if (path == "/_rig/v1/connection/longpolling") {
            if (method == http::verb::get) {
                co_return co_await transport::longpoll(shard, ex);
            }
            if (method == http::verb::options) {
                co_return transport::preflight_longpoll(shard);
            }
            co_return method_not_allowed("GET, OPTIONS");
        }
        if (path == "/_rig/v1/events") {
            if (method == http::verb::post) {
                co_return co_await publisher.handle(req, true, shard.clients);
            }
            if (method == http::verb::options) {
                co_return publisher.preflight(req);
            }
            co_return method_not_allowed("POST, OPTIONS");
        }
        if (auto token = subscriptions_token(path)) {
            if (method == http::verb::put || method == http::verb::post) {
                co_return co_await transport::update_subscriptions(shard, ex, *token);
            }
            if (method == http::verb::options) {
                co_return transport::preflight_subscriptions(shard);
            }
            co_return method_not_allowed("PUT, POST, OPTIONS");
        }
        if (path == "/_rig/health") {
            if (method == http::verb::get || method == http::verb::head) {
                co_return ok_text();
            }
            co_return method_not_allowed("GET, HEAD");
        }
        // RIG hands everything else to its API proxy, which answers 404 when no API matches.
        co_return http::make_response(http::status::not_found, R"({"message":"Not Found"})",
                                      http::json_type);
    };
}

http::handler make_admin_routes(transport::shard_context& shard,
                                const sources::http_publisher& publisher,
                                const std::vector<const sources::source_status*>& sources) {
    return [&shard, &publisher, &sources](http::exchange& ex) -> result {
        const auto& req = ex.req();
        const std::string_view path = http::target_path(req.target());
        const auto method = req.method();
        if (path == "/health") {
            co_return ok_text();
        }
        if (!api_key_accepted(shard.node.api_key, req)) {
            auto res = http::make_error(http::status::unauthorized,
                                        "Missing or wrong API key (Authorization: Bearer).");
            res.set(http::field::www_authenticate, "Bearer");
            co_return res;
        }
        if (path == "/health/sources") {
            bool all = true;
            std::string body = admin::render_source_health(sources, all);
            co_return http::make_response(
                all ? http::status::ok : http::status::service_unavailable, std::move(body),
                http::json_type);
        }
        for (std::string_view prefix : {"/v3/session-blacklist", "/v2/session-blacklist"}) {
            if (path == prefix && method == http::verb::post) {
                co_return blacklist_session(shard, req, path);
            }
            if (path.starts_with(prefix) && path.size() > prefix.size() + 1 &&
                path[prefix.size()] == '/' && method == http::verb::get) {
                const std::string id = decode_path_segment(path.substr(prefix.size() + 1));
                if (shard.node.blacklist->contains(id)) {
                    co_return http::make_response(http::status::ok, "{}", http::json_type);
                }
                co_return http::make_error(http::status::not_found, "Not found.");
            }
        }
        if (path == "/metrics" && (method == http::verb::get || method == http::verb::head)) {
            std::vector<const hub::shard_stats*> stats;
            for (auto* s : shard.node.shards) {
                stats.push_back(&s->hub.stats());
            }
            co_return http::make_response(
                http::status::ok,
                admin::render_metrics(shard.node.events.published(),
                                      shard.node.events.batch_waits(), stats, sources),
                "text/plain; version=0.0.4; charset=utf-8");
        }
        if ((path == "/v3/messages" || path == "/v2/messages")) {
            if (method == http::verb::post) {
                co_return co_await publisher.handle(req, false, shard.clients);
            }
            co_return method_not_allowed("POST");
        }
        co_return http::make_response(http::status::not_found,
                                      R"({"errors":{"detail":"Not found"}})", http::json_type);
    };
}

}  // namespace rig::app
