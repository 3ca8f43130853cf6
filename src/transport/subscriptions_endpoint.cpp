#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <variant>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"
#include "transport/connection.hpp"
#include "transport/endpoints.hpp"

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
        const std::string mt = core::media_type(v);
        return mt == "application/json" || mt == "application/*" || mt == "*/*";
    });
}

// The subscriptions of the request, or why it is refused. Both travel to the owning shard:
// a closed connection answers 410 before any 400 about the body, as in RIG.
using parsed_update = std::variant<core::error, std::vector<subscription::subscription>>;

struct update_outcome {
    std::optional<core::error> error;
    json::array subscriptions;  // the full set after the update
};

// The body's "subscriptions" member, or why the request is refused (RIG's texts and order).
core::result<json::value> subscriptions_member(const http::request& req) {
    if (!accepts_json(req)) {
        return core::error{core::condition::not_acceptable,
                           "Not acceptable: the request accepts " +
                               std::string(req[http::field::accept]) +
                               ", this endpoint responds with application/json."};
    }
    const std::string mt = core::media_type(req[http::field::content_type]);
    json::error_code ec;
    json::value body;
    if (mt == "application/json" || mt.ends_with("+json")) {
        body = json::parse(req.body(), ec);
    }
    if (body.is_null() || ec) {
        return core::bad_request(
            "Expected JSON encoded body.\n\nTechnical info:\n" +
            (ec ? ec.message()
                : "content-type is " + core::json_quote(req[http::field::content_type])));
    }
    json::value* list = body.is_object() ? body.get_object().if_contains("subscriptions") : nullptr;
    if (list == nullptr) {
        return core::bad_request(
            "Expected field \"subscriptions\" is not present.\n\nDecoded request body:\n" +
            json::serialize(body));
    }
    return std::move(*list);
}

// Subscriptions inferred from every valid Bearer token (spec §2.10 step 7), then the body's
// `list` (step 8); the sessions of those tokens go to `sessions`.
parsed_update requested_update(const connect_policy& policy, const http::request& req,
                               const json::value& list, std::vector<std::string>& sessions) {
    std::vector<subscription::subscription> subs;
    for (const auto& auth : http::header_list(req, http::field::authorization)) {
        if (!auth.starts_with("Bearer ")) {
            continue;
        }
        auto claims = policy.jwt().validate(std::string_view(auth).substr(7));
        if (!claims) {
            return core::bad_request(
                "cannot accept subscription request: invalid authorization header: could not "
                "decode JWT: " +
                claims.error().message);
        }
        if (auto session = policy.jwt().session_of(*claims)) {
            sessions.push_back(std::move(*session));
        }
        subscription::merge_unique(
            subs, subscription::infer_from_claims(policy.extractors(), json::value(*claims)));
    }
    subscription::parse_failure err;
    auto given = subscription::parse_subscription_list(list, err);
    if (!given) {
        return core::bad_request(
            "cannot accept subscription request: could not parse given subscriptions: " +
            err.describe());
    }
    subscription::merge_unique(subs, std::move(*given));
    return subs;
}

// On the owning shard: applies the update to the connection at `addr` (merged into its set
// unless `replace`), within the limits.
update_outcome apply_update(connection_registry& owner, const connection_address& addr,
                            bool replace, const connect_policy& policy, parsed_update&& update,
                            const std::vector<std::string>& sessions) {
    update_outcome out;
    auto conn = owner.find(addr);
    if (!conn || !conn->is_open()) {
        out.error = connection_gone;
        return out;
    }
    if (update.index() == 0) {
        out.error = std::move(std::get<0>(update));
        return out;
    }
    auto subs = std::move(std::get<1>(update));
    if (!replace) {
        auto merged = conn->subscriptions();
        subscription::merge_unique(merged, std::move(subs));
        subs = std::move(merged);
    }
    if (auto too_many = policy.limit_error(subs)) {
        out.error = core::bad_request("cannot accept subscription request: " + *too_many);
    } else if (!conn->charge_subscriptions(subs.size())) {
        out.error = connect_policy::subscriptions_full();
    } else {
        for (const auto& session : sessions) {
            owner.join_session(*conn, session);
        }
        conn->set_subscriptions(std::move(subs));
        out.subscriptions = subscription::to_json(conn->subscriptions());
    }
    return out;
}

}  // namespace

handler_result endpoints::update_subscriptions(http::exchange& ex, std::string_view token,
                                               bool may_forward) {
    const auto& req = ex.req();
    // Another node's connection: its owner answers (and checks the request in RIG's order).
    if (connection_address at; may_forward && remote_ != nullptr &&
                               policy_.tokens().decode(token, at) == token_codec::verdict::stale) {
        auto res = co_await forward(forwarded_op::subscriptions, token, at, req);
        co_return res ? std::move(*res) : with_cors(http::make_error(connection_gone));
    }
    const bool replace = req.method() == http::verb::put;
    const auto refuse = [&](core::error e) {
        refused_log.info("subscriptions: {} {}", static_cast<unsigned>(http::to_status(e.cond)),
                         e.message);
        return with_cors(http::make_error(e));
    };

    auto list = subscriptions_member(req);
    if (!list) {
        co_return refuse(list.error());
    }

    // Step 3: the check sees the request as the client sent it.
    if (const auto v = co_await policy_.check_update(clients_, req); !v.allowed) {
        refused_log.info("subscriptions: denied: {}", v.reason);
        co_return with_cors(http::make_error({core::condition::forbidden, "Subscription denied."}));
    }

    connection_address addr;
    switch (policy_.tokens().decode(token, addr)) {
        case token_codec::verdict::malformed:
            co_return refuse(core::bad_request("Invalid connection token."));
        case token_codec::verdict::stale:
            co_return refuse(connection_gone);
        case token_codec::verdict::ok:
            break;
    }
    connection_registry* owner = owner_of(addr);
    if (owner == nullptr) {
        co_return refuse(connection_gone);
    }

    std::vector<std::string> sessions;
    parsed_update update = requested_update(policy_, req, *list, sessions);

    // A named lambda, not a temporary inside the co_await expression: GCC 12 destroys
    // such temporaries twice when they own resources.
    auto apply = [owner, addr, replace, &policy = policy_, update = std::move(update),
                  sessions = std::move(sessions)](auto done) mutable {
        done(apply_update(*owner, addr, replace, policy, std::move(update), sessions));
    };
    update_outcome outcome =
        co_await net::run_on<update_outcome>(owner->io().get_executor(), std::move(apply));
    if (outcome.error) {
        co_return refuse(*outcome.error);
    }
    if (replace) {
        co_return with_cors(http::make_empty(http::status::no_content));
    }
    json::object created;
    created["subscriptions"] = std::move(outcome.subscriptions);
    co_return with_cors(
        http::make_response(http::status::created, json::serialize(created), http::json_type));
}

http::response endpoints::preflight_subscriptions() const {
    auto res = with_cors(http::make_empty(http::status::no_content));
    res.set(http::field::access_control_allow_methods, "PUT, POST");
    res.set(http::field::access_control_allow_headers, "content-type,authorization");
    return res;
}

}  // namespace rig::transport
