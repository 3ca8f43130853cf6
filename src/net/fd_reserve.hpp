#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

namespace rig::net {

// File descriptors held back (open on /dev/null) for the moment the process runs out of
// them: then the internal API's accept loop gives some back and accepts with them, so that
// /health and /metrics still answer while the public listeners back off (issue 15).
// Released descriptors are taken again by refill(), which every accept loop calls before it
// accepts, so that freed descriptors go to the reserve before a new public connection.
//
// Owned by the node, outlives the accept loops; used by every shard's accept loops (a mutex
// on the rare release and refill paths, one relaxed load otherwise). Holds `size` descriptors.
class fd_reserve {
public:
    explicit fd_reserve(std::size_t size);
    ~fd_reserve();
    fd_reserve(const fd_reserve&) = delete;
    fd_reserve& operator=(const fd_reserve&) = delete;

    // Closes up to `n` held descriptors; returns how many it closed.
    std::size_t release(std::size_t n);
    // Reopens what was released, as far as the process has descriptors to spare.
    void refill();
    std::size_t held() const { return held_.load(std::memory_order_relaxed); }
    std::size_t size() const { return size_; }

private:
    const std::size_t size_;
    std::mutex mutex_;
    std::vector<int> fds_;  // guarded by mutex_
    std::atomic<std::size_t> held_{0};
};

}  // namespace rig::net
