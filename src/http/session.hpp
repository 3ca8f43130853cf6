#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <list>
#include <optional>

#include "http/message.hpp"
#include "http/server_options.hpp"
#include "net/asio.hpp"

namespace rig::http {

// One request on a server session, as seen by a route handler. A handler either returns a
// response for the session to write, or takes the socket over (SSE, WebSocket) and returns
// nothing, which ends the session.
class exchange {
public:
    exchange(request& req, boost::beast::tcp_stream& stream) : req_(req), stream_(stream) {}

    request& req() { return req_; }

    // Moves the connection out of the session; the session ends when the handler returns.
    tcp::socket take_socket() {
        taken_ = true;
        stream_.expires_never();
        return stream_.release_socket();
    }
    bool socket_taken() const { return taken_; }

private:
    request& req_;
    boost::beast::tcp_stream& stream_;
    bool taken_ = false;
};

using handler = std::function<asio::awaitable<std::optional<response>>(exchange&)>;

// The HTTP sessions of one shard, so that a drain can end the idle ones and stop keep-alive
// on the busy ones.
//
// @par Thread safety
// Owned by one shard; used only from its thread.
class session_tracker {
public:
    struct entry {
        boost::beast::tcp_stream* stream;
        bool idle;
    };
    std::list<entry>::iterator add(boost::beast::tcp_stream* s) {
        return sessions_.insert(sessions_.end(), {s, true});
    }
    void remove(std::list<entry>::iterator it) { sessions_.erase(it); }

    bool draining() const { return draining_; }
    // Stops keep-alive and cancels sessions waiting for their next request.
    void drain();

private:
    std::list<entry> sessions_;
    bool draining_ = false;
};

// Serves HTTP/1.1 requests on one connection until it closes, times out, the handler takes
// the socket, or a drain ends it. Request heads and bodies are limited per `options`:
// oversized bodies get 413, oversized heads 431, malformed requests 400 (then close).
// `Expect: 100-continue` is answered before the body is read.
asio::awaitable<void> run_session(tcp::socket socket, const server_options& options,
                                  const handler& route, session_tracker& tracker);

}  // namespace rig::http
