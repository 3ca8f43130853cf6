#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <span>

#include "core/frame.hpp"

namespace rig::http {

using error_code = boost::system::error_code;

// Whoever writes to a response_channel: told when a write is done and when the peer did
// something. The channel keeps the user alive (the shared_ptr passed in) until it calls back.
class channel_user {
public:
    virtual void on_written(const error_code& ec) = 0;
    virtual void on_readable(const error_code& ec) = 0;

protected:
    ~channel_user() = default;
};

// The body side of a response that a handler took over and keeps open (an SSE stream, a
// WebSocket after its 101): it sends shared frames, reports what the peer does, and ends
// gracefully or at once. Implemented over an HTTP/1.1 connection (the whole TCP or TLS
// connection belongs to the channel) and over one HTTP/2 stream (its connection carries
// other streams too).
//
// Lifetime: owned by the connection that uses it; it may outlive its HTTP/2 session (then
// every operation fails with connection_reset).
//
// @par Thread safety
// Used only on the shard that accepted the connection. At most one write and one readiness
// wait may be pending.
class response_channel {
public:
    virtual ~response_channel() = default;

    // True on HTTP/1.1, whose SSE bodies are chunked: frames carry their chunk framing.
    // HTTP/2 streams carry the bytes as they are.
    virtual bool chunked() const = 0;

    // Sends every frame, in order, in one gathered write, then calls user->on_written. The
    // frames must stay alive until then. HTTP/2: "written" means handed to the connection
    // (it leaves the stream when the peer's flow-control window lets it).
    virtual void write(std::span<const core::frame> frames, std::shared_ptr<channel_user> user) = 0;

    // Calls user->on_readable once the peer sent something, ended the stream, or the channel
    // failed.
    virtual void wait_readable(std::shared_ptr<channel_user> user) = 0;

    // Reads what the peer sent, without blocking: would_block when there is nothing, eof when
    // the peer ended. HTTP/2 streams never return data (the peer's DATA is discarded).
    virtual std::size_t read_some(boost::asio::mutable_buffer b, error_code& ec) = 0;

    // Ends the response after everything written: TLS close_notify and FIN (HTTP/1.1), or
    // END_STREAM (HTTP/2). Call with no write pending; the channel is done afterwards.
    virtual void end() = 0;

    // Ends at once: closes the connection (HTTP/1.1) or resets the stream (HTTP/2); pending
    // operations complete with operation_aborted. Harmless after end() or a second time.
    virtual void close() = 0;
};

}  // namespace rig::http
