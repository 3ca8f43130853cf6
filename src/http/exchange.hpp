#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "http/message.hpp"
#include "http/request_body.hpp"
#include "http/response_channel.hpp"
#include "net/asio.hpp"

namespace rig::http {

enum class protocol : uint8_t { http1, http2 };

// One request as a route handler sees it, whatever carried it (HTTP/1.1 over TCP or TLS, an
// HTTP/2 stream). A handler either returns a response for the session to send, or takes the
// response over (SSE, WebSocket) and returns nothing.
class exchange {
public:
    virtual ~exchange() = default;
    exchange(const exchange&) = delete;
    exchange& operator=(const exchange&) = delete;

    request& req() { return req_; }
    protocol proto() const { return proto_; }
    bool secure() const { return secure_; }
    // The client's address and the address and port it connected to.
    const tcp::endpoint& remote() const { return remote_; }
    const tcp::endpoint& local() const { return local_; }
    bool taken() const { return taken_; }

    // The body still to be read, when the session left it to the handler (a route that
    // streams bodies: server_options::streams_body); null when req().body() holds it whole.
    virtual request_body* body_stream() { return nullptr; }

    // Takes the response over: the head of `head` (status and headers; its body is ignored)
    // goes out first, and the returned channel carries the body for as long as its user
    // wants. HTTP/1.1: the connection then belongs to the channel (the session ends when the
    // handler returns); the caller adds Transfer-Encoding when it writes chunks.
    virtual std::unique_ptr<response_channel> take(const response& head) = 0;

    // HTTP/1.1 only: takes the whole connection, sending `raw_head` (a complete 101 Switching
    // Protocols head) first. Returns null on HTTP/2.
    virtual std::unique_ptr<response_channel> take_upgraded(std::string raw_head) = 0;

protected:
    exchange(request& req, protocol p, bool secure, tcp::endpoint remote, tcp::endpoint local)
        : req_(req),
          proto_(p),
          secure_(secure),
          remote_(std::move(remote)),
          local_(std::move(local)) {}
    bool taken_ = false;

private:
    request& req_;
    protocol proto_;
    bool secure_;
    tcp::endpoint remote_;
    tcp::endpoint local_;
};

using handler = std::function<asio::awaitable<std::optional<response>>(exchange&)>;

}  // namespace rig::http
