#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <variant>

#include "cloudevents/parse.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"
#include "transport/connect_request.hpp"
#include "transport/connection.hpp"
#include "transport/endpoints.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {
namespace json = boost::json;

namespace {

log::rate_limited refused_log{10};

// Accept: absent, or naming application/json, application/* or */* (any parameters).
bool accepts_json(const http::request& req) {
    const auto values = http::header_list(req, http::field::accept);
    if (values.empty()) {
        return true;
    }
    return std::any_of(values.begin(), values.end(), [](const std::string& v) {
        const std::string mt = cloudevents::media_type(v);
        return mt == "application/json" || mt == "application/*" || mt == "*/*";
    });
}

http::response with_cors(const shard_context& shard, http::response res) {
    res.set(http::field::access_control_allow_origin, shard.node.options.cors_origin);
    return res;
}

// The subscriptions of the request, or why it is refused. Both travel to the owning shard:
// a closed connection answers 410 before any 400 about the body, as in RIG.
using parsed_update = std::variant<core::error, std::vector<subscription::subscription>>;

struct update_outcome {
    std::optional<core::error> error;
    json::array subscriptions;  // the full set after the update
};

}  // namespace

handler_result update_subscriptions(shard_context& shard, http::exchange& ex,
                                    std::string_view token) {
    node_context& node = shard.node;
    const auto& req = ex.req();
    const bool replace = req.method() == http::verb::put;
    const auto refuse = [&](core::error e) {
        refused_log.info("subscriptions: {} {}", static_cast<unsigned>(http::to_status(e.cond)),
                         e.message);
        return with_cors(shard, http::make_error(e));
    };

    if (!accepts_json(req)) {
        co_return refuse({core::condition::not_acceptable,
                          "Not acceptable: the request accepts " +
                              std::string(req[http::field::accept]) +
                              ", this endpoint responds with application/json."});
    }
    const std::string mt = cloudevents::media_type(req[http::field::content_type]);
    json::error_code ec;
    json::value body;
    if (mt == "application/json" || mt.ends_with("+json")) {
        body = json::parse(req.body(), ec);
    }
    if (body.is_null() || ec) {
        co_return refuse(core::bad_request(
            "Expected JSON encoded body.\n\nTechnical info:\n" +
            (ec ? ec.message()
                : "content-type is " + core::json_quote(req[http::field::content_type]))));
    }
    const json::value* list =
        body.is_object() ? body.get_object().if_contains("subscriptions") : nullptr;
    if (list == nullptr) {
        co_return refuse(core::bad_request(
            "Expected field \"subscriptions\" is not present.\n\nDecoded request body:\n" +
            json::serialize(body)));
    }

    if (node.subscription_check.enabled()) {
        // Step 3: the check sees the request as the client sent it.
        std::vector<std::string> authorization;
        for (auto [it, end] = req.equal_range(http::field::authorization); it != end; ++it) {
            authorization.emplace_back(it->value());
        }
        std::string content_type(req[http::field::content_type]);
        std::string request_body = req.body();
        const auto v =
            co_await node.subscription_check.run(shard.clients, std::move(authorization),
                                                 std::move(content_type), std::move(request_body));
        if (!v.allowed) {
            refused_log.info("subscriptions: denied: {}", v.reason);
            co_return with_cors(shard,
                                http::make_error(http::status::forbidden, "Subscription denied."));
        }
    }

    connection_address addr;
    switch (node.tokens.decode(token, addr)) {
        case token_codec::verdict::malformed:
            co_return refuse(core::bad_request("Invalid connection token."));
        case token_codec::verdict::stale:
            co_return refuse({core::condition::gone, "Connection no longer exists."});
        case token_codec::verdict::ok:
            break;
    }
    if (addr.shard >= node.shards.size()) {
        co_return refuse({core::condition::gone, "Connection no longer exists."});
    }

    // Subscriptions inferred from every valid Bearer token (spec §2.10 step 7), then the
    // body's (step 8).
    parsed_update update = std::vector<subscription::subscription>{};
    std::vector<std::string> sessions;
    for (const auto& auth : http::header_list(req, http::field::authorization)) {
        if (!auth.starts_with("Bearer ")) {
            continue;
        }
        auto claims = node.jwt.validate(std::string_view(auth).substr(7));
        if (!claims) {
            update = core::bad_request(
                "cannot accept subscription request: invalid authorization header: could not "
                "decode JWT: " +
                claims.error().message);
            break;
        }
        if (auto session = node.jwt.session_of(*claims)) {
            sessions.push_back(std::move(*session));
        }
        subscription::merge_unique(
            std::get<1>(update),
            subscription::infer_from_claims(*node.extractors, json::value(*claims)));
    }
    if (update.index() == 1) {
        subscription::parse_failure err;
        auto subs = subscription::parse_subscription_list(*list, err);
        if (!subs) {
            update = core::bad_request(
                "cannot accept subscription request: could not parse given subscriptions: " +
                err.describe());
        } else {
            subscription::merge_unique(std::get<1>(update), std::move(*subs));
        }
    }

    shard_context* owner = node.shards[addr.shard];
    // A named lambda, not a temporary inside the co_await expression: GCC 12 destroys
    // such temporaries twice when they own resources.
    auto apply = [owner, addr, replace, update = std::move(update),
                  sessions = std::move(sessions)](auto done) mutable {
        update_outcome out;
        auto conn = owner->find(addr);
        if (!conn) {
            out.error = core::error{core::condition::gone, "Connection no longer exists."};
        } else if (update.index() == 0) {
            out.error = std::move(std::get<0>(update));
        } else {
            auto subs = std::move(std::get<1>(update));
            if (!replace) {
                auto merged = conn->subscriptions();
                subscription::merge_unique(merged, std::move(subs));
                subs = std::move(merged);
            }
            if (auto too_many = subscription_limit_error(owner->node, subs)) {
                out.error = core::bad_request("cannot accept subscription request: " + *too_many);
            } else {
                for (const auto& session : sessions) {
                    conn->join_session(session);
                }
                conn->set_subscriptions(std::move(subs));
                out.subscriptions = subscription::to_json(conn->subscriptions());
            }
        }
        done(std::move(out));
    };
    update_outcome outcome =
        co_await net::run_on<update_outcome>(owner->io.get_executor(), std::move(apply));
    if (outcome.error) {
        co_return refuse(*outcome.error);
    }
    if (replace) {
        co_return with_cors(shard, http::make_empty(http::status::no_content));
    }
    json::object created;
    created["subscriptions"] = std::move(outcome.subscriptions);
    co_return with_cors(shard, http::make_response(http::status::created, json::serialize(created),
                                                   http::json_type));
}

http::response preflight_subscriptions(const shard_context& shard) {
    auto res = http::make_empty(http::status::no_content);
    res.set(http::field::access_control_allow_origin, shard.node.options.cors_origin);
    res.set(http::field::access_control_allow_methods, "PUT, POST");
    res.set(http::field::access_control_allow_headers, "content-type,authorization");
    return res;
}

}  // namespace rig::transport
