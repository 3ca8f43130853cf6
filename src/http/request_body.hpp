#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "http/response_channel.hpp"
#include "net/asio.hpp"

namespace rig::http {

// A request body that the handler reads as it arrives instead of finding it whole in the
// request: a proxied upload of any size then holds one buffer of it in memory. The session
// leaves the body unread for routes that ask for it (server_options::streams_body); after the
// handler, a body not read to its end costs the connection its keep-alive.
//
// @par Thread safety
// Used only on the session's shard, by one reader at a time.
class request_body {
public:
    virtual ~request_body() = default;

    // The length the client declared (Content-Length); none for a chunked body.
    virtual std::optional<std::uint64_t> length() const = 0;

    // Whether every byte has been read.
    virtual bool done() const = 0;

    // Reads the next bytes into `into`: how many (0 only once done), or the error that ended
    // the body (the client went away, or was too slow: the session's idle timeout per read).
    virtual asio::awaitable<std::pair<error_code, std::size_t>> read_some(
        asio::mutable_buffer into) = 0;
};

// Reads the rest of `body` into `into`. Fails with boost::beast::http::error::body_limit,
// without reading further, once the body exceeds `limit` bytes.
asio::awaitable<error_code> read_whole(request_body& body, std::string& into, std::size_t limit);

}  // namespace rig::http
