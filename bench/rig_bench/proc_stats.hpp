#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rig::bench {

// Resident memory and CPU time of server processes, from /proc.
struct proc_sample {
    uint64_t rss_bytes = 0;
    double cpu_seconds = 0;  // user + system
};

proc_sample sample_processes(const std::vector<int>& pids);

// The pids of every process whose name (/proc/<pid>/comm) is one of the comma-separated
// `names` (e.g. "rig", or "nginx", or "pushpin,condure,zurl,pushpin-proxy,pushpin-handle").
std::vector<int> find_processes(const std::string& names);

}  // namespace rig::bench
