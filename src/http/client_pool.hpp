#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "net/asio.hpp"

namespace rig::http {

// The outcome of an outbound request: the status, or (status 0) why there is none.
struct client_result {
    int status = 0;
    std::string error;
};

// An HTTP/1.1 client for the calls rig makes itself (external subscription and submission
// checks): asynchronous on the calling shard's io_context, with keep-alive connections
// pooled per host, and a deadline per request. Plain http:// only.
//
// @par Thread safety
// One pool per shard; used only from that shard's thread.
class client_pool {
public:
    explicit client_pool(asio::io_context& io, std::size_t max_idle_per_host = 16)
        : io_(io), max_idle_(max_idle_per_host) {}

    // POSTs `body` to `url` with the given Content-Type and, when not empty, Authorization.
    asio::awaitable<client_result> post(std::string url, std::string content_type,
                                        std::string authorization, std::string body,
                                        std::chrono::milliseconds timeout);

    // Closes the pooled idle connections. Called at shutdown while the io_context still
    // exists: a socket that outlives its io_context touches freed reactor state when closed.
    void close_idle() { idle_.clear(); }

private:
    asio::io_context& io_;
    std::size_t max_idle_;
    std::map<std::string, std::vector<boost::beast::tcp_stream>> idle_;  // by "host:port"
};

}  // namespace rig::http
