#pragma once

#include <cstddef>
#include <string>

#include "url.hpp"

namespace rig::bench {

// One subscriber process: holds `connections` SSE or WebSocket streams to `target` from
// `source_address`, parses every event, and measures publish → receive latency from the
// `"ts":<monotonic ns>` the publisher puts in each event, and loss/order from `"seq":<n>`.
//
// Talks to the parent over two pipes. Parent → worker lines: "reset" (clear the step's
// counters), "report" (send a report line), "stop". Worker → parent lines:
//   progress <connected> <ready> <delivered> <closed> <errors>      (every 200 ms)
//   report <ready> <delivered> <out_of_order> <first_ready_ns> <last_ready_ns> <histogram>
struct worker_config {
    int id = 0;
    url target;
    std::size_t connections = 0;
    std::string source_address;  // empty: let the kernel choose
    std::size_t max_connecting = 256;
    int report_fd = -1;
    int control_fd = -1;
};

int run_subscriber_worker(const worker_config& config);

}  // namespace rig::bench
