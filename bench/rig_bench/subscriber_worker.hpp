#pragma once

#include <cstddef>
#include <string>

#include "h2_session.hpp"
#include "tls_conn.hpp"
#include "url.hpp"

namespace rig::bench {

// One subscriber process: holds `connections` connections to `target` from
// `source_address` — each one SSE stream or WebSocket over HTTP/1.1, or, with `h2`,
// `streams_per_connection` SSE streams over HTTP/2 — over plain TCP or TLS (https://, wss://).
// Parses every event, and measures publish → receive latency from the `"ts":<monotonic ns>`
// the publisher puts in each event, and loss/order from `"seq":<n>`, per subscriber (stream).
//
// Talks to the parent over two pipes. Parent → worker lines: "reset" (clear the step's
// counters), "report" (send a report line), "stop". Worker → parent lines (counts are of
// subscribers, i.e. streams, except <connected>, which counts TCP connections):
//   progress <connected> <ready> <delivered> <closed> <errors>      (every 200 ms)
//   report <ready> <delivered> <out_of_order> <first_ready_ns> <last_ready_ns> <bytes> <histogram>
struct worker_config {
    int id = 0;
    url target;
    std::size_t connections = 0;
    bool h2 = false;                         // HTTP/2 (ALPN h2 over TLS, else prior knowledge)
    std::size_t streams_per_connection = 1;  // with h2
    h2_windows windows;
    tls_client_context::options tls;   // ALPN is filled in by the worker
    std::string source_address;        // empty: let the kernel choose
    std::size_t max_connecting = 256;  // connects (TCP and TLS handshake) in flight
    int report_fd = -1;
    int control_fd = -1;
};

int run_subscriber_worker(const worker_config& config);

}  // namespace rig::bench
