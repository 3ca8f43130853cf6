#pragma once

#include <memory>
#include <string>

#include "http/exchange.hpp"
#include "http/server_options.hpp"
#include "http/session_tracker.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {

// Serves HTTP/2 (RFC 9113, with nghttp2) on one connection: after ALPN chose "h2" on a TLS
// port, or when a plain connection opened with the prior-knowledge preface (h2c). `initial`
// holds bytes already read from the client. Every request stream is handed to `route` like an
// HTTP/1.1 request; a handler that takes the response over (SSE) gets the stream as its
// response_channel, so many EventSources of one browser share one TCP connection.
//
// Bounds: at most options.h2_max_streams concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS),
// header lists up to options.max_header_bytes, request bodies up to options.max_body_bytes
// (413). Flow control is nghttp2's: a stream whose window is exhausted keeps its frames in
// its connection's queue (bounded by RIG_MAX_QUEUE_BYTES, like any connection) while the
// other streams go on. A reset stream ends its connection at once. A drain sends GOAWAY;
// the session ends when its last stream has.
//
// The session owns itself and lives until the TCP connection ends; it runs on the shard that
// accepted the connection and never blocks it.
void start_h2_session(std::unique_ptr<net::byte_stream> stream, std::string initial,
                      const server_options& options, const handler& route,
                      session_tracker& tracker);

}  // namespace rig::http
