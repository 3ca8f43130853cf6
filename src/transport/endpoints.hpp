#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/client_pool.hpp"
#include "http/exchange.hpp"
#include "net/asio.hpp"
#include "transport/connect_policy.hpp"
#include "transport/connection_registry.hpp"
#include "transport/forwarded_request.hpp"
#include "transport/remote_nodes.hpp"

namespace rig::transport {

class connection;

using handler_result = asio::awaitable<std::optional<http::response>>;

// 410 for a token whose connection is gone: closed, on a node that is gone, or never ours.
inline const core::error connection_gone{core::condition::gone, "Connection no longer exists."};

// The client-facing routes of one shard: connect (SSE, WebSocket, long polling) and
// subscription updates, with their CORS preflights. A connection lives on the shard that
// accepted it; updates and polls for a connection on another shard run there (net::run_on)
// and answer from here.
//
// Every connect goes through one pipeline (admit): draining? → the JWT and subscriptions
// (connect_policy::resolve) → SUBSCRIPTION_CHECK → MAX_CONNECTIONS_PER_MINUTE (long
// polling, as in RIG, counts the connect first); then
// establish: enroll in the registry (token, session) → start (head, rig.connection.create)
// → subscribe (rig.subscriptions_set). The transports differ only in how they refuse (an
// HTTP error, or a WebSocket close frame after the upgrade) and in what they create.
//
// In a cluster (`remote` set), a token that names another node is that node's connection:
// subscription updates and polls for it are asked of the owner (serve_forwarded there), and
// its answer is the client's.
//
// @par Thread safety
// One per shard, used on that shard's thread. `shards` is fixed before the shards start.
class endpoints {
public:
    endpoints(const connect_policy& policy, connection_registry& registry,
              const std::vector<connection_registry*>& shards, http::client_pool& clients,
              remote_nodes* remote = nullptr);

    // GET /_rig/v1/connection/sse (spec §2.4).
    handler_result sse(http::exchange& ex);
    // GET /_rig/v1/connection/ws (spec §2.5): a valid upgrade always succeeds; refusals are
    // close frames.
    handler_result ws(http::exchange& ex);
    // GET /_rig/v1/connection/longpolling (spec §2.6): connect, or poll with the cookies.
    handler_result longpoll(http::exchange& ex);
    // PUT (replace, 204) or POST (add, 201) /_rig/v1/connection/{sse|ws|longpolling}/:token/
    // subscriptions (spec §2.10), for a connection on any shard.
    handler_result update_subscriptions(http::exchange& ex, std::string_view token) {
        return update_subscriptions(ex, token, true);
    }

    // Answers a request another node forwarded here (transport/forwarded_request.hpp): the
    // encoded response.
    asio::awaitable<std::string> serve_forwarded(std::string request);

    // CORS preflights (spec §2.2).
    http::response preflight_subscriptions() const;
    http::response preflight_longpoll() const;

private:
    // The outcome of a connect's admission: what to subscribe, or why not.
    struct admission {
        std::optional<core::error> refusal;
        bool subscriptions_not_json = false;
        std::vector<subscription::subscription> subscriptions;
        std::optional<std::string> session;
        std::optional<std::string> resume_cursor;  // Last-Event-ID / last_event_id
        bool rate_limited = false;  // MAX_CONNECTIONS_PER_MINUTE (long polling: no CORS)
        core::budget_charge subscription_charge;  // RIG_MAX_SUBSCRIPTIONS, for the connection
    };
    asio::awaitable<admission> admit(const http::request& req, connect_flavor flavor,
                                     std::string_view transport);
    void establish(const std::shared_ptr<connection>& c, admission& a);
    // `may_forward` is false for a request another node forwarded: it is never sent on.
    handler_result update_subscriptions(http::exchange& ex, std::string_view token,
                                        bool may_forward);
    // A poll of a session this node owns; nothing when there is no such session.
    // `forwarded`: asked by another node, whose answer must not set the token cookie.
    handler_result poll_existing(const http::request& req, std::string_view token,
                                 const connection_address& addr, bool forwarded);
    // The owner's answer to a forwarded request; nothing when it did not answer in time.
    asio::awaitable<std::optional<http::response>> forward(forwarded_op op, std::string_view token,
                                                           const connection_address& addr,
                                                           const http::request& req);
    connection_registry* owner_of(const connection_address& a) const;
    http::response with_cors(http::response res) const;

    const connect_policy& policy_;
    connection_registry& registry_;
    const std::vector<connection_registry*>& shards_;
    http::client_pool& clients_;
    remote_nodes* remote_;
};

}  // namespace rig::transport
