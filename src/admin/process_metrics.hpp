#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rig::admin {

// The standard Prometheus process metrics of this process, read from /proc/self on each
// scrape (nothing is kept): process_cpu_seconds_total, process_resident_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds. Used by the internal API's
// /metrics, on the shard that serves it.
struct process_sample {
    double cpu_seconds = 0;         // user + system
    uint64_t resident_bytes = 0;    // RSS
    double start_time_seconds = 0;  // since the Unix epoch
};

// Parses /proc/self/stat's text (utime, stime, starttime, rss); `ticks_per_second` is
// sysconf(_SC_CLK_TCK), `boot_time` /proc/stat's btime. Nothing when the text is malformed.
std::optional<process_sample> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                              long page_size, uint64_t boot_time);

// The exposition lines (HELP, TYPE, value) of the process metrics; a value /proc does not
// give is left out.
//
// process_open_fds walks /proc/self/fd, about 0.5 µs of kernel time per descriptor: 5 ms per
// scrape at 10,000 connections, on the shard serving it. A count is reused while the node
// holds the same number of public connections (`public_connections`) and it is less than a
// second old, so a steady node scraped often (a dashboard, a benchmark polling every 10 ms)
// pays for it about once a second, and a connection opened or closed is seen at once.
std::string render_process_metrics(std::size_t public_connections);

}  // namespace rig::admin
