#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/token_validator.hpp"
#include "checks/access_check.hpp"
#include "core/error.hpp"
#include "core/shared_budget.hpp"
#include "http/client_pool.hpp"
#include "http/message.hpp"
#include "net/asio.hpp"
#include "subscription/extractors.hpp"
#include "subscription/subscription.hpp"
#include "transport/connection_token.hpp"
#include "transport/rate_limiter.hpp"
#include "transport/transport_options.hpp"

namespace rig::transport {

// The part of a connect request (SSE, WebSocket, long polling) that says what the client
// wants: the `jwt` and `subscriptions` query parameters. Empty values count as absent.
struct connect_params {
    std::optional<std::string> jwt;
    std::optional<std::string> subscriptions;
};

// Reads `jwt` and `subscriptions` from the request's query string.
connect_params read_connect_params(const http::request& req);

enum class connect_flavor { sse_or_ws, longpoll };

// What a connect asks for, once validated: the combined subscriptions (JWT-inferred first,
// then manual, without duplicates), the session the JWT names, and the request as
// SUBSCRIPTION_CHECK sees it ({"subscriptions": <param>}, only when the parameter was given:
// RIG checks only then; and only built when a check is configured). Or why it is refused;
// `subscriptions_not_json` marks the one failure WebSocket reports with its own close reason
// instead of "Bad request.".
struct connect_result {
    std::vector<subscription::subscription> subscriptions;
    std::optional<std::string> session;
    std::optional<std::string> check_body;
    std::optional<core::error> failure;
    bool subscriptions_not_json = false;
};

// Whether a client may connect and what it may subscribe to: JWT validation, the
// subscription parser and its per-connection limits, SUBSCRIPTION_CHECK, the connection
// rate limit (MAX_CONNECTIONS_PER_MINUTE), and the connection token codec. One per node,
// built by app before the shards start.
//
// @par Thread safety
// Immutable, except the rate limiter (one atomic word); use from any shard.
class connect_policy {
public:
    connect_policy(transport_options options, const subscription::extractors& extractors,
                   auth::token_validator jwt, checks::access_check subscription_check,
                   token_codec tokens, core::shared_budget* subscription_budget = nullptr);

    const transport_options& options() const { return options_; }
    const token_codec& tokens() const { return tokens_; }
    const auth::token_validator& jwt() const { return jwt_; }
    const subscription::extractors& extractors() const { return extractors_; }

    // Validates the JWT (when given) and the subscriptions, as RIG's connect algorithm does
    // (spec §2.4 steps 1-4). Error messages are RIG's.
    connect_result resolve(const connect_params& params, connect_flavor flavor) const;

    // Why `subs` exceeds the per-connection limits (count, event type length, constraints per
    // subscription, or size as JSON), if it does.
    std::optional<std::string> limit_error(
        const std::vector<subscription::subscription>& subs) const;

    // SUBSCRIPTION_CHECK for a connect (spec §5.3): runs only when the `subscriptions`
    // parameter was given, with {"subscriptions": <param>} as body and the `jwt` parameter as
    // bearer token. `clients` is the calling shard's pool.
    asio::awaitable<checks::verdict> check_connect(http::client_pool& clients,
                                                   const connect_params& params,
                                                   const connect_result& resolved) const;

    // SUBSCRIPTION_CHECK for a subscription update: the check sees the request as the client
    // sent it (Authorization headers, Content-Type, body).
    asio::awaitable<checks::verdict> check_update(http::client_pool& clients,
                                                  const http::request& req) const;

    // MAX_CONNECTIONS_PER_MINUTE: takes one connection from this minute's budget.
    bool admit_rate() const { return rate_.try_acquire(); }

    // RIG_MAX_SUBSCRIPTIONS: what connections draw their subscriptions from (null: no cap).
    core::shared_budget* subscription_budget() const { return subscription_budget_; }
    // The answer when that budget cannot hold a connection's subscriptions: 429.
    static core::error subscriptions_full() {
        return {core::condition::too_many_requests,
                "The node holds as many subscriptions as it may (RIG_MAX_SUBSCRIPTIONS)."};
    }

private:
    transport_options options_;
    const subscription::extractors& extractors_;
    auth::token_validator jwt_;
    checks::access_check subscription_check_;
    token_codec tokens_;
    mutable connection_rate_limiter rate_;
    core::shared_budget* subscription_budget_;
};

}  // namespace rig::transport
