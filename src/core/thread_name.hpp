#pragma once

#include <pthread.h>

#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace rig::core {

// Names the calling thread as ps -L, top -H, perf and /proc/<pid>/task/<tid>/comm show it (the
// benchmarks split rig's CPU time by it). Linux keeps the first 15 bytes.
inline void name_this_thread(std::string_view name) {
    const std::string kept(name.substr(0, 15));
    pthread_setname_np(pthread_self(), kept.c_str());
}

// A thread that names itself `name`, then runs `body`.
template <typename Body>
std::thread named_thread(std::string name, Body body) {
    return std::thread([name = std::move(name), body = std::move(body)]() mutable {
        name_this_thread(name);
        body();
    });
}

}  // namespace rig::core
