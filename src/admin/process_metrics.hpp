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
std::string render_process_metrics();

}  // namespace rig::admin
