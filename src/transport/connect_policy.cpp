#include "transport/connect_policy.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/request_parts.hpp"

namespace rig::transport {
namespace json = boost::json;

connect_params read_connect_params(const http::request& req) {
    connect_params p;
    if (auto v = http::query_param(req.target(), "jwt"); v && !v->empty()) {
        p.jwt = std::move(v);
    }
    if (auto v = http::query_param(req.target(), "subscriptions"); v && !v->empty()) {
        p.subscriptions = std::move(v);
    }
    return p;
}

connect_policy::connect_policy(transport_options options,
                               const subscription::extractors& extractors,
                               auth::token_validator jwt, checks::access_check subscription_check,
                               token_codec tokens, core::shared_budget* subscription_budget)
    : options_(std::move(options)),
      extractors_(extractors),
      jwt_(std::move(jwt)),
      subscription_check_(std::move(subscription_check)),
      tokens_(tokens),
      rate_(options_.max_connections_per_minute),
      subscription_budget_(subscription_budget) {}

connect_result connect_policy::resolve(const connect_params& params, connect_flavor flavor) const {
    connect_result out;
    const auto fail = [&](std::string message, bool not_json = false) {
        out.failure = core::bad_request(std::move(message));
        out.subscriptions_not_json = not_json;
        return out;
    };

    std::optional<json::value> manual;
    if (params.subscriptions) {
        json::error_code ec;
        json::value v = json::parse(*params.subscriptions, ec);
        if (ec) {
            if (flavor == connect_flavor::longpoll) {
                return fail(
                    "could not parse subscriptions: could not decode subscriptions: "
                    "invalid JSON encoding when parsing JSON: " +
                    ec.message());
            }
            return fail("Failed to decode subscription list: " + ec.message(), true);
        }
        // Long polling also takes {"subscriptions": [...]}.
        if (flavor == connect_flavor::longpoll && v.is_object()) {
            if (const auto* inner = v.get_object().if_contains("subscriptions")) {
                v = *inner;
            }
        }
        if (subscription_check_.enabled()) {
            json::object wrapped;
            wrapped["subscriptions"] = v;
            out.check_body = json::serialize(wrapped);
        }
        manual = std::move(v);
    }

    if (params.jwt) {
        auto claims = jwt_.validate(*params.jwt);
        if (!claims) {
            return fail("could not parse subscriptions: could not decode JWT: " +
                        claims.error().message);
        }
        out.session = jwt_.session_of(*claims);
        out.subscriptions = subscription::infer_from_claims(extractors_, json::value(*claims));
    }

    if (manual) {
        subscription::parse_failure err;
        auto subs = subscription::parse_subscription_list(*manual, err);
        if (!subs) {
            if (!manual->is_array()) {
                return fail("could not parse subscriptions: could not decode subscriptions: " +
                            err.reason + " when parsing JSON: " + err.element);
            }
            return fail("could not parse subscriptions: could not parse subscription from JSON: " +
                        err.describe());
        }
        subscription::merge_unique(out.subscriptions, std::move(*subs));
    }

    if (auto limit = limit_error(out.subscriptions)) {
        return fail("could not parse subscriptions: " + *limit);
    }
    return out;
}

std::optional<std::string> connect_policy::limit_error(
    const std::vector<subscription::subscription>& subs) const {
    if (subs.size() > options_.max_subscriptions) {
        return "too many subscriptions (" + std::to_string(subs.size()) + ", at most " +
               std::to_string(options_.max_subscriptions) +
               " per connection: RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION)";
    }
    for (const auto& sub : subs) {
        if (sub.event_type.size() > options_.max_event_type_bytes) {
            return "event type too long (" + std::to_string(sub.event_type.size()) +
                   " bytes, at most " + std::to_string(options_.max_event_type_bytes) +
                   ": RIG_MAX_EVENT_TYPE_BYTES)";
        }
        std::size_t constraints = 0;
        for (const auto& alternative : sub.one_of) {
            constraints += alternative.all_of.size();
        }
        if (constraints > options_.max_constraints) {
            return "too many constraints (" + std::to_string(constraints) +
                   " in a subscription of " + sub.event_type + ", at most " +
                   std::to_string(options_.max_constraints) +
                   ": RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION)";
        }
    }
    const std::size_t bytes = json::serialize(subscription::to_json(subs)).size();
    if (bytes > options_.max_subscription_bytes) {
        return "subscriptions too large (" + std::to_string(bytes) + " bytes as JSON, at most " +
               std::to_string(options_.max_subscription_bytes) +
               " per connection: RIG_MAX_SUBSCRIPTION_BYTES)";
    }
    return std::nullopt;
}

asio::awaitable<checks::verdict> connect_policy::check_connect(
    http::client_pool& clients, const connect_params& params,
    const connect_result& resolved) const {
    if (!resolved.check_body || !subscription_check_.enabled()) {
        co_return checks::verdict{};
    }
    std::vector<std::string> authorization;
    if (params.jwt) {
        authorization.push_back("Bearer " + *params.jwt);
    }
    // Named arguments: temporaries in a co_await expression are unsafe with GCC 12.
    std::string content_type = "application/json; charset=utf-8";
    std::string body = *resolved.check_body;
    co_return co_await subscription_check_.run(clients, std::move(authorization),
                                               std::move(content_type), std::move(body));
}

asio::awaitable<checks::verdict> connect_policy::check_update(http::client_pool& clients,
                                                              const http::request& req) const {
    if (!subscription_check_.enabled()) {
        co_return checks::verdict{};
    }
    std::vector<std::string> authorization;
    for (auto [it, end] = req.equal_range(http::field::authorization); it != end; ++it) {
        authorization.emplace_back(it->value());
    }
    std::string content_type(req[http::field::content_type]);
    std::string body = req.body();
    co_return co_await subscription_check_.run(clients, std::move(authorization),
                                               std::move(content_type), std::move(body));
}

}  // namespace rig::transport
