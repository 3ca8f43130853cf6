#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rig::net {

// How many client connections the public listeners may hold at once, node-wide
// (RIG_MAX_CONNECTIONS). The cap sits below the process's file-descriptor limit so that the
// internal API (health, metrics), event sources and backend connections keep descriptors when
// clients take all they can; a connection beyond it is answered 503 and closed at accept.
//
// Owned by the node; shared by every shard's accept loop (one atomic add per connection
// opened or closed, never per request or delivery). A limit of 0 means no cap.
class connection_budget {
public:
    explicit connection_budget(std::size_t limit) : limit_(limit) {}

    // Takes one connection's share; false (and counted) when the budget is spent.
    bool try_take() {
        const auto before = in_use_.fetch_add(1, std::memory_order_relaxed);
        if (limit_ != 0 && before >= limit_) {
            in_use_.fetch_sub(1, std::memory_order_relaxed);
            refused_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        return true;
    }
    void give_back() { in_use_.fetch_sub(1, std::memory_order_relaxed); }

    // RIG_MAX_CONNECTIONS's default: the file-descriptor limit less a reserve of a tenth (at
    // least 100) for everything else rig opens; 0 (no cap) when there is no limit.
    static std::size_t default_limit() {
        rlimit fds{};
        if (::getrlimit(RLIMIT_NOFILE, &fds) != 0 || fds.rlim_cur == RLIM_INFINITY) {
            return 0;
        }
        const auto soft = static_cast<std::size_t>(fds.rlim_cur);
        const std::size_t reserve = std::max<std::size_t>(100, soft / 10);
        return soft > reserve ? soft - reserve : 1;
    }

    std::size_t limit() const { return limit_; }
    std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
    uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

private:
    const std::size_t limit_;
    std::atomic<std::size_t> in_use_{0};
    std::atomic<uint64_t> refused_{0};
};

}  // namespace rig::net
