#include "proc_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rig::bench {

proc_sample sample_processes(const std::vector<int>& pids) {
    proc_sample s;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    for (int pid : pids) {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("VmRSS:", 0) == 0) {
                s.rss_bytes += std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
            }
        }
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        // Fields after the command name (which may contain spaces) start after ") ".
        const auto close = text.rfind(") ");
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream fields(text.substr(close + 2));
        std::string field;
        for (int i = 3; i <= 15 && fields >> field; ++i) {
            if (i == 14 || i == 15) {  // utime, stime
                s.cpu_seconds +=
                    static_cast<double>(std::strtoull(field.c_str(), nullptr, 10)) / ticks;
            }
        }
    }
    return s;
}

std::vector<int> find_processes(const std::string& names) {
    std::vector<std::string> wanted;
    std::istringstream list(names);
    for (std::string n; std::getline(list, n, ',');) {
        wanted.push_back(n.substr(0, 15));  // comm holds at most 15 characters
    }
    std::vector<int> out;
    DIR* d = opendir("/proc");
    if (d == nullptr) {
        return out;
    }
    while (dirent* e = readdir(d)) {
        const int pid = std::atoi(e->d_name);
        if (pid <= 0) {
            continue;
        }
        std::ifstream comm("/proc/" + std::string(e->d_name) + "/comm");
        std::string name;
        std::getline(comm, name);
        if (std::find(wanted.begin(), wanted.end(), name) != wanted.end()) {
            out.push_back(pid);
        }
    }
    closedir(d);
    return out;
}

}  // namespace rig::bench
