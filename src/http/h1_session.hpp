#pragma once

#include <memory>

#include "http/exchange.hpp"
#include "http/server_options.hpp"
#include "http/session_tracker.hpp"
#include "net/asio.hpp"
#include "net/byte_stream.hpp"

namespace rig::http {

// Serves HTTP/1.1 requests on one connection (plain or TLS) until it closes, times out, a
// handler takes it over, or a drain ends it. Request heads and bodies are limited per
// `options`: oversized bodies get 413, oversized heads 431, malformed requests 400 (then
// close). `Expect: 100-continue` is answered before the body is read. A connection that
// opens with the HTTP/2 preface (prior knowledge, h2c) is handed to an HTTP/2 session when
// `options.h2c` is on.
asio::awaitable<void> run_h1_session(std::unique_ptr<net::byte_stream> stream,
                                     const server_options& options, const handler& route,
                                     session_tracker& tracker);

}  // namespace rig::http
