#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checks/access_check.hpp"
#include "core/error.hpp"
#include "http/message.hpp"
#include "net/asio.hpp"
#include "subscription/subscription.hpp"

namespace rig::transport {

struct node_context;
class shard_context;

// The part of a connect request (SSE, WebSocket, long polling) that says what the client
// wants: the `jwt` and `subscriptions` query parameters. Empty values count as absent.
struct connect_params {
    std::optional<std::string> jwt;
    std::optional<std::string> subscriptions;
};

// Reads `jwt` and `subscriptions` from the request's query string.
connect_params read_connect_params(const http::request& req);

enum class connect_flavor { sse_or_ws, longpoll };

// Why a connect was refused. `subscriptions_not_json` marks the one failure WebSocket
// reports with its own close reason instead of "Bad request.".
struct connect_failure {
    core::error error;
    bool subscriptions_not_json = false;
};

// Validates the JWT (when given) and the subscriptions, as RIG's connect algorithm does
// (spec §2.4 steps 1-4), and returns the combined set: JWT-inferred first, then manual,
// without duplicates. Error messages are RIG's.
struct connect_result {
    std::vector<subscription::subscription> subscriptions;
    std::optional<connect_failure> failure;
    std::optional<std::string> session;  // from the JWT, for the session blacklist
    // The subscription request as SUBSCRIPTION_CHECK sees it ({"subscriptions": <param>}),
    // when the `subscriptions` parameter was given (RIG checks only then).
    std::optional<std::string> check_body;
};
// Why `subs` exceeds the per-connection limits (count, or size as JSON), if it does.
std::optional<std::string> subscription_limit_error(
    const node_context& node, const std::vector<subscription::subscription>& subs);

// SUBSCRIPTION_CHECK for a connect (spec §5.3): runs only when the `subscriptions` parameter
// was given, with {"subscriptions": <param>} as body and the `jwt` parameter as bearer token.
asio::awaitable<checks::verdict> check_connect(shard_context& shard, const connect_params& params,
                                               const connect_result& resolved);

connect_result resolve_connect(const node_context& node, const connect_params& params,
                               connect_flavor flavor);

}  // namespace rig::transport
