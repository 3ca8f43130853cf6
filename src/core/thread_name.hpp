#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace rig::core {

// Names the calling thread as ps -L, top -H, perf and /proc/<pid>/task/<tid>/comm show it (the
// benchmarks split rig's CPU time by it). Linux keeps the first 15 bytes.
inline void name_this_thread(std::string_view name) {
    const std::string kept(name.substr(0, 15));
    pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace rig::core
