#include "admin/internal_api.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include "admin/blacklist_request.hpp"
#include "admin/dashboard_page.hpp"
#include "admin/metrics.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "proxy/response_messages.hpp"

namespace rig::admin {
namespace {

std::string decode_path_segment(std::string_view s) {
    auto decoded = boost::urls::make_pct_string_view(s);
    return decoded ? decoded->decode() : std::string(s);
}

}  // namespace

internal_api::internal_api(auth::session_blacklist& blacklist, std::string api_key,
                           const hub::hub& events, const sources::http_publisher& publisher,
                           const std::vector<const sources::source_status*>& sources,
                           blacklist_hook blacklisted, cluster_view cluster, proxy_view proxy,
                           bool metrics_enabled, dashboard_streams* dashboard)
    : blacklist_(blacklist),
      api_key_(std::move(api_key)),
      events_(events),
      publisher_(publisher),
      sources_(sources),
      blacklisted_(std::move(blacklisted)),
      cluster_(std::move(cluster)),
      proxy_(std::move(proxy)),
      metrics_enabled_(metrics_enabled),
      dashboard_(dashboard) {}

bool internal_api::key_accepted(const http::request& req) const {
    if (api_key_.empty()) {
        return true;
    }
    const std::string_view auth = req[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (auth.size() != scheme.size() + api_key_.size() || !auth.starts_with(scheme)) {
        return false;
    }
    return CRYPTO_memcmp(auth.data() + scheme.size(), api_key_.data(), api_key_.size()) == 0;
}

http::response internal_api::blacklist(const http::request& req, std::string_view path) const {
    auto parsed = parse_blacklist_request(req[http::field::content_type], req.body());
    if (!parsed) {
        return http::make_error(parsed.error());
    }
    const auto expires =
        std::chrono::system_clock::now() + std::chrono::seconds(parsed->validity_seconds);
    blacklist_.add(parsed->session_id, expires);
    blacklisted_(parsed->session_id, expires);
    log::info("session blacklisted for {} s: {}", parsed->validity_seconds, parsed->session_id);
    auto res = http::make_response(http::status::created, "{}", http::json_type);
    res.set(http::field::location, std::string(path) + "/" + parsed->session_id);
    res.set(http::field::access_control_allow_origin, "*");
    return res;
}

http::response internal_api::metrics() const {
    std::vector<const hub::shard_stats*> stats;
    for (std::size_t i = 0; i < events_.shard_count(); ++i) {
        stats.push_back(&events_.shard(i).stats());
    }
    std::string text = render_metrics(events_.published(), events_.batch_waits(),
                                      publisher_.received(), stats, sources_);
    text += render_forwarded(events_);
    if (const auto* history = events_.history(); history != nullptr && history->enabled()) {
        const auto kept = history->current();
        text += fmt::format(
            "# HELP rig_history_events Events kept for resuming clients (RIG_HISTORY_SIZE).\n"
            "# TYPE rig_history_events gauge\nrig_history_events {}\n"
            "# HELP rig_history_bytes Memory those events hold (RIG_HISTORY_MAX_BYTES).\n"
            "# TYPE rig_history_bytes gauge\nrig_history_bytes {}\n",
            kept.events, kept.bytes);
    }
    // RIG's names for its replicated blacklist (spec §11.1).
    text += fmt::format(
        "# HELP rig_distributed_set_items_total Blacklist entries added or extended, on this "
        "node or another.\n# TYPE rig_distributed_set_items_total gauge\n"
        "rig_distributed_set_items_total{{name=\"Elixir.SessionBlacklist\"}} {}\n"
        "# HELP rig_distributed_set_items_current Blacklist entries not yet expired.\n"
        "# TYPE rig_distributed_set_items_current gauge\n"
        "rig_distributed_set_items_current{{name=\"Elixir.SessionBlacklist\"}} {}\n",
        blacklist_.adds(), blacklist_.purge());
    if (cluster_.metrics) {
        text += cluster_.metrics();
    }
    if (proxy_.metrics) {
        text += proxy_.metrics();
    }
    return http::make_response(http::status::ok, std::move(text),
                               "text/plain; version=0.0.4; charset=utf-8");
}

std::optional<http::response> internal_api::apis(const http::request& req,
                                                 std::string_view path) const {
    constexpr std::string_view v3 = "/v3/apis", v2 = "/v2/apis";  // the same API (§7.2)
    if (!path.starts_with(v3) && !path.starts_with(v2)) {
        return std::nullopt;
    }
    const std::string_view rest = path.substr(v3.size());
    if (!rest.empty() &&
        (rest.front() != '/' || rest.size() == 1 || rest.find('/', 1) != std::string_view::npos)) {
        return std::nullopt;
    }
    const auto method = http::routing_method(req.method());  // HEAD as GET (spec §2.1)
    const auto answer = [](const proxy::api_registry::outcome& o) {
        if (o.body.empty()) {
            return http::make_empty(static_cast<http::status>(o.status));
        }
        return http::make_response(static_cast<http::status>(o.status), o.body, http::json_type);
    };
    // A body that is not a JSON object is refused before the registry sees it.
    const auto body_object = [&req]() -> std::optional<boost::json::object> {
        boost::system::error_code ec;
        auto v = boost::json::parse(req.body(), ec);
        if (ec || !v.is_object()) {
            return std::nullopt;
        }
        return std::move(v.as_object());
    };
    const auto bad_body = [] {
        return http::make_error(core::bad_request("The body must be a JSON object."));
    };
    auto& registry = *proxy_.apis;
    if (rest.empty()) {
        if (method == http::verb::get) {
            return answer(registry.list());
        }
        if (method == http::verb::post) {
            auto body = body_object();
            if (!body) {
                return bad_body();
            }
            return answer(registry.create(std::move(*body)));
        }
        return http::method_not_allowed("GET, POST");
    }
    const std::string id = decode_path_segment(rest.substr(1));
    if (method == http::verb::get) {
        return answer(registry.get(id));
    }
    if (method == http::verb::put) {
        auto body = body_object();
        if (!body) {
            return bad_body();
        }
        return answer(registry.update(id, std::move(*body)));
    }
    if (method == http::verb::delete_) {
        return answer(registry.remove(id));
    }
    return http::method_not_allowed("GET, PUT, DELETE");
}

http::response internal_api::responses(const http::request& req, bool v3) const {
    std::vector<proxy::message_header> headers;
    for (const auto& f : req) {
        headers.push_back({f.name_string(), f.value()});
    }
    auto parsed =
        v3 ? proxy::parse_v3_response(headers, req.body()) : proxy::parse_v2_response(req.body());
    if (!parsed) {
        return http::make_error(core::bad_request(std::move(parsed.error)));
    }
    // Answered 202 whether or not a request still waits for it (RIG, spec §7.3).
    proxy_.responses->deliver(std::move(*parsed.message));
    return http::make_response(http::status::accepted,
                               "message sent to correlated reverse proxy request", http::text_type);
}

std::optional<http::response> internal_api::open_path(std::string_view path,
                                                      http::verb method) const {
    if (path == "/health") {
        return http::make_response(http::status::ok, "OK", http::text_type);
    }
    if (dashboard_ == nullptr || path != "/dashboard") {
        return std::nullopt;
    }
    if (method != http::verb::get) {
        return http::method_not_allowed("GET, HEAD");
    }
    auto res = http::make_response(http::status::ok, std::string(dashboard_page()),
                                   "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-cache");
    res.set("x-content-type-options", "nosniff");
    res.set("content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'");
    return res;
}

std::optional<http::response> internal_api::health(std::string_view path) const {
    bool healthy = false;
    std::string body;
    if (path == "/health/sources") {
        healthy = true;
        body = render_source_health(sources_, healthy);
    } else if (path == "/health/cluster") {
        if (!cluster_.health) {
            return http::make_error({core::condition::not_found, "Not a cluster node."});
        }
        body = cluster_.health(healthy);
    } else {
        return std::nullopt;
    }
    if (!healthy) {
        return http::make_error_body(core::condition::unavailable, std::move(body));
    }
    return http::make_response(http::status::ok, std::move(body), http::json_type);
}

std::optional<http::response> internal_api::blacklist_path(const http::request& req,
                                                           std::string_view path,
                                                           http::verb method) const {
    for (std::string_view prefix : {"/v3/session-blacklist", "/v2/session-blacklist"}) {
        if (path == prefix && method == http::verb::post) {
            return blacklist(req, path);
        }
        if (path.starts_with(prefix) && path.size() > prefix.size() + 1 &&
            path[prefix.size()] == '/' && method == http::verb::get) {
            const std::string id = decode_path_segment(path.substr(prefix.size() + 1));
            if (blacklist_.contains(id)) {
                return http::make_response(http::status::ok, "{}", http::json_type);
            }
            return http::make_error({core::condition::not_found, "Not found."});
        }
    }
    return std::nullopt;
}

asio::awaitable<std::optional<http::response>> internal_api::handle(
    http::exchange& ex, http::client_pool& clients) const {
    const auto& req = ex.req();
    const std::string_view path = http::target_path(req.target());
    const auto method = http::routing_method(req.method());  // HEAD as GET (spec §2.1)
    if (auto res = open_path(path, method)) {
        co_return res;
    }
    if (!key_accepted(req)) {
        auto res = http::make_error(
            {core::condition::unauthorized, "Missing or wrong API key (Authorization: Bearer)."});
        res.set(http::field::www_authenticate, "Bearer");
        co_return res;
    }
    if (auto res = health(path)) {
        co_return res;
    }
    if (auto res = blacklist_path(req, path, method)) {
        co_return res;
    }
    if (dashboard_ != nullptr && path == "/dashboard/stream") {
        if (req.method() == http::verb::head) {  // the stream's head, no stream
            co_return http::make_response(http::status::ok, "", "text/event-stream; charset=utf-8");
        }
        if (method != http::verb::get) {
            co_return http::method_not_allowed("GET, HEAD");
        }
        co_return dashboard_->open(ex, co_await asio::this_coro::executor);
    }
    if (metrics_enabled_ && path == "/metrics" && method == http::verb::get) {
        co_return metrics();
    }
    if (proxy_.apis != nullptr) {
        if (auto res = apis(req, path)) {
            co_return std::move(*res);
        }
    }
    if (proxy_.responses != nullptr && (path == "/v3/responses" || path == "/v2/responses")) {
        if (method == http::verb::post) {
            co_return responses(req, path == "/v3/responses");
        }
        co_return http::method_not_allowed("POST");
    }
    if (path == "/v3/messages" || path == "/v2/messages") {
        if (method == http::verb::post) {
            co_return co_await publisher_.handle(req, false, clients);
        }
        co_return http::method_not_allowed("POST");
    }
    co_return http::make_error_body(core::condition::not_found,
                                    R"({"errors":{"detail":"Not found"}})");
}

}  // namespace rig::admin
