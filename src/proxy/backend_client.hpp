#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/client_tls.hpp"
#include "http/exchange.hpp"
#include "net/asio.hpp"
#include "proxy/backend_address.hpp"
#include "proxy/backend_deadlines.hpp"
#include "proxy/request_head.hpp"

namespace rig::http {
class idle_connections;
}  // namespace rig::http

namespace rig::proxy {

// How forwarding went, for the answer and the metrics (RIG's statuses of §8.6).
enum class forward_outcome : uint8_t {
    answered,     // the backend answered; its status went to the client
    unreachable,  // no connection, or it broke: 502
    timed_out,    // no answer within PROXY_RECV_TIMEOUT: 502
    body_broke,   // the client's streamed body broke off (it went away, or stalled)
};

struct forward_result {
    forward_outcome outcome = forward_outcome::answered;
    unsigned status = 0;  // the backend's status when answered
    // The response for the session to send; empty when the answer was streamed through the
    // exchange (which is then taken).
    std::optional<http::response> response;
};

struct backend_limits {
    std::chrono::milliseconds connect_timeout{8000};
    std::chrono::milliseconds recv_timeout{5000};
    std::size_t buffer_response_bytes = std::size_t{256} * 1024;
    std::size_t max_idle_per_backend = 64;
};

// A shard's HTTP/1.1 client towards the proxied backends: keep-alive connections pooled per
// scheme, host and port, on the shard's io_context (never blocking it); http:// and https://
// (certificates verified as for rig's other outbound calls). Answers up to
// `buffer_response_bytes` are read whole and returned; larger ones, and those of unknown
// length, are streamed to the client as they arrive, so a download of any size holds one
// buffer of it in memory. Redirects are not followed.
//
// @par Thread safety
// One per shard; used only on that shard's thread.
class backend_client {
public:
    backend_client(asio::io_context& io, http::client_tls tls, backend_limits limits);
    ~backend_client();
    backend_client(const backend_client&) = delete;
    backend_client& operator=(const backend_client&) = delete;

    // Sends `req` with `body` to `to` and answers the client of `ex` with the backend's
    // status, headers (hop-by-hop ones removed) and body. `head_only`: the client asked HEAD,
    // the body is not sent to it. `upload`, when not null and not yet read, is sent instead
    // of `body` as it arrives (with its Content-Length, or chunked), over a new connection:
    // a request whose body is gone cannot be sent again on another one.
    asio::awaitable<forward_result> forward(http::exchange& ex, const backend_address& to,
                                            const backend_request& req, std::string_view body,
                                            http::request_body* upload, bool head_only);

    // Closes the pooled connections and drops the deadline timer (at shutdown, while the
    // io_context still exists).
    void close_idle();

private:
    asio::io_context& io_;
    http::client_tls tls_;
    backend_limits limits_;
    std::unique_ptr<http::idle_connections> idle_;
    backend_deadlines deadlines_;  // the answers awaited (not the streamed parts)
};

// Whether a header belongs to one hop only and is never passed on (RFC 9110 §7.6.1, plus
// those RIG drops): connection, keep-alive, proxy-connection, transfer-encoding, upgrade,
// http2-settings, te, trailer. `name` in lower case.
bool hop_by_hop(std::string_view name);

}  // namespace rig::proxy
