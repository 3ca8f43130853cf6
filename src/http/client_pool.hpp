#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/client_tls.hpp"
#include "net/asio.hpp"

namespace rig::http {

class idle_connections;

// The outcome of an outbound request: the status, or (status 0) why there is none.
struct client_result {
    int status = 0;
    std::string error;
};

// An HTTP/1.1 client for the calls rig makes itself (external subscription and submission
// checks): asynchronous on the calling shard's io_context, with keep-alive connections
// pooled per scheme, host and port (at most `max_idle_per_host` idle ones each), and a
// deadline per request. http:// and https:// (TLS as set up by `tls`: the server's
// certificate must verify and name the URL's host; SNI is sent for host names).
//
// @par Thread safety
// One pool per shard; used only from that shard's thread. `tls` may be shared between
// pools (see client_tls).
class client_pool {
public:
    // Without `tls`, https:// URLs fail with an error instead of connecting.
    explicit client_pool(asio::io_context& io, client_tls tls = nullptr,
                         std::size_t max_idle_per_host = 16);
    ~client_pool();
    client_pool(const client_pool&) = delete;
    client_pool& operator=(const client_pool&) = delete;

    // POSTs `body` to `url` with the given Content-Type and, when not empty, Authorization.
    asio::awaitable<client_result> post(std::string url, std::string content_type,
                                        std::string authorization, std::string body,
                                        std::chrono::milliseconds timeout);

    // Closes the pooled idle connections. Called at shutdown while the io_context still
    // exists: a socket that outlives its io_context touches freed reactor state when closed.
    void close_idle();

private:
    asio::io_context& io_;
    client_tls tls_;
    std::unique_ptr<idle_connections> idle_;
};

}  // namespace rig::http
