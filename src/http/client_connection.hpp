#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "http/client_tls.hpp"
#include "net/asio.hpp"

namespace rig::http {

// One outbound HTTP/1.1 connection, plain or TLS, with the buffer its reads keep leftovers in:
// what rig's outbound clients (client_pool, the API gateway's backend_client) send over.
//
// @par Thread safety
// Used on the io_context that opened it only.
struct client_connection {
    using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    explicit client_connection(asio::io_context& io)
        : stream(std::in_place_type<boost::beast::tcp_stream>, io) {}
    client_connection(asio::io_context& io, asio::ssl::context& tls)
        : stream(std::in_place_type<tls_stream>, io, tls) {}

    boost::beast::tcp_stream& tcp() {
        return std::visit(
            [](auto& s) -> boost::beast::tcp_stream& { return boost::beast::get_lowest_layer(s); },
            stream);
    }

    // Runs `op(stream)` on whichever stream this is.
    template <class Op>
    auto visit(Op&& op) {
        return std::visit(std::forward<Op>(op), stream);
    }

    std::variant<boost::beast::tcp_stream, tls_stream> stream;
    boost::beast::flat_buffer buffer;
};

// Resolves `host`, connects to `port` and, with `use_tls`, checks the certificate's name and
// completes the handshake (client_tls), all within `timeout` per step. Null with the reason
// in `error` ("cannot resolve …", "cannot connect to …", the TLS failure) when it fails;
// `use_tls` without `tls` fails too.
asio::awaitable<std::unique_ptr<client_connection>> open_client_connection(
    asio::io_context& io, const client_tls& tls, bool use_tls, const std::string& host,
    const std::string& port, std::chrono::milliseconds timeout, std::string& error);

// Idle keep-alive connections, by pool key (scheme, host and port), at most `max_per_key`
// each: a connection given back beyond that is closed.
//
// @par Thread safety
// One per shard and client; used on that shard only.
class idle_connections {
public:
    explicit idle_connections(std::size_t max_per_key) : max_(max_per_key) {}

    // The most recently used idle connection to `key`, or null.
    std::unique_ptr<client_connection> take(const std::string& key);

    // Keeps `conn` (its timer cleared) for the next request to `key`, or closes it.
    void give_back(const std::string& key, std::unique_ptr<client_connection> conn);

    // Closes them all (at shutdown, while the io_context still exists: a socket that outlives
    // its io_context touches freed reactor state when closed).
    void clear() { idle_.clear(); }

private:
    std::size_t max_;
    std::map<std::string, std::vector<std::unique_ptr<client_connection>>> idle_;
};

}  // namespace rig::http
