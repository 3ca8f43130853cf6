#pragma once

#include "core/shared_budget.hpp"
#include "http/exchange.hpp"
#include "http/server_options.hpp"
#include "http/session_tracker.hpp"
#include "net/asio.hpp"

struct ssl_ctx_st;

namespace rig::http {

// What one listener serves on one shard: TLS or plain, its limits, its routes, and the
// shard's session tracker (for draining). Everything it points to outlives the listener.
struct serving {
    ssl_ctx_st* tls = nullptr;  // null: plain TCP
    const server_options* options = nullptr;
    const handler* route = nullptr;
    session_tracker* tracker = nullptr;
    // The public listeners' node-wide connection cap; null (internal API): none.
    core::shared_budget* budget = nullptr;
};

// Accepts connections until the acceptor is closed (or the shard drains), and serves each on
// the acceptor's shard. Out of file descriptors or memory, it backs off briefly instead of
// spinning. Beyond `s.budget` a connection is answered 503 and closed at once.
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, serving s);

// Serves one accepted connection: the TLS handshake first when `s.tls` is set (within
// options.handshake_timeout), then HTTP/2 when ALPN chose "h2", else HTTP/1.1.
// `non_blocking`: the socket already is (accept4).
asio::awaitable<void> serve_connection(tcp::socket socket, serving s, bool non_blocking = false);

}  // namespace rig::http
