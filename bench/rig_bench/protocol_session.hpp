#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rig::bench {

// Told by a protocol session when one of its subscribers became ready (the server answered
// and sent its first bytes) or ended. Implemented by the subscriber worker, which counts them.
class subscriber_events {
public:
    virtual void subscriber_ready() = 0;
    virtual void subscriber_closed(bool error) = 0;
    // A subscriber ended before it was ready, for the reason given (logged).
    virtual void subscriber_failed(std::string_view why) = 0;

protected:
    ~subscriber_events() = default;
};

// The application protocol on one connection (HTTP/1.1 SSE or WebSocket, or HTTP/2 with many
// SSE streams), after the transport (plain TCP or TLS) is set up: turns received bytes into
// recorded events and produces the bytes to send. Owned by its connection in the subscriber
// worker; single-threaded. It holds `subscribers()` subscribers, each of which ends exactly
// once: through subscriber_closed, or, when the connection goes first, by the worker.
class protocol_session {
public:
    enum class verdict { keep_open, close, fail };

    virtual ~protocol_session() = default;

    // Appends what the client sends first (request, connection preface) to `out`.
    virtual void start(std::string& out) = 0;
    // Consumes what it can of `in` (leaving an incomplete tail) and appends replies to `out`.
    virtual verdict on_input(std::string& in, std::string& out) = 0;
    // Subscribers not yet reported closed; the worker closes them when the connection ends.
    virtual std::size_t open_subscribers() const = 0;
    // Whether every subscriber of the session was ready at the end (a clean server close of a
    // stream that had been delivering is not an error).
    virtual bool all_ready() const = 0;
    // Why on_input said fail (e.g. the response's status line), for the log.
    const std::string& failure() const { return failure_; }

protected:
    std::string failure_;
};

}  // namespace rig::bench
