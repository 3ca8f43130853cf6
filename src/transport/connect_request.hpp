#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"
#include "subscription/subscription.hpp"

namespace rig::transport {

struct node_context;

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
};
// Why `subs` exceeds the per-connection limits (count, or size as JSON), if it does.
std::optional<std::string> subscription_limit_error(
    const node_context& node, const std::vector<subscription::subscription>& subs);

connect_result resolve_connect(const node_context& node, const connect_params& params,
                               connect_flavor flavor);

}  // namespace rig::transport
