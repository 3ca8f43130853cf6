#pragma once

#include "core/shared_budget.hpp"
#include "http/exchange.hpp"
#include "http/server_options.hpp"
#include "http/session_tracker.hpp"
#include "net/accept_failures.hpp"
#include "net/asio.hpp"
#include "net/fd_reserve.hpp"

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
    // Failed accepts are counted here (null: not counted).
    net::accept_failures* failures = nullptr;
    // Descriptors held back for the internal API (null: none). Every loop refills it before
    // it accepts; `internal` loops draw on it when the process is out of descriptors.
    net::fd_reserve* reserve = nullptr;
    bool internal = false;
};

// Accepts connections until the acceptor is closed (or the shard drains), and serves each on
// the acceptor's shard. Out of file descriptors or memory, it counts the failure, logs the
// first of a run, and backs off (doubling from 50 ms to 1 s, until an accept succeeds)
// instead of spinning; an internal loop first accepts with descriptors from `s.reserve`.
// Beyond `s.budget` a connection is answered 503 and closed at once.
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, serving s);

// Serves one accepted connection: the TLS handshake first when `s.tls` is set (within
// options.handshake_timeout), then HTTP/2 when ALPN chose "h2", else HTTP/1.1.
// `non_blocking`: the socket already is (accept4).
asio::awaitable<void> serve_connection(tcp::socket socket, serving s, bool non_blocking = false);

}  // namespace rig::http
