#pragma once

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string_view>

namespace rig::net {

// Failed accepts by listener kind and cause, for /metrics (rig_accept_failures_total): out of
// file descriptors (process or system), out of socket buffers or memory, anything else.
// Owned by the node; every shard's accept loops count into it (relaxed atomics).
class accept_failures {
public:
    static constexpr std::array<std::string_view, 5> reasons{"emfile", "enfile", "enobufs",
                                                             "enomem", "other"};
    static constexpr std::array<std::string_view, 2> listeners{"public", "internal"};

    static std::size_t reason_of(int err) {
        switch (err) {
            case EMFILE:
                return 0;
            case ENFILE:
                return 1;
            case ENOBUFS:
                return 2;
            case ENOMEM:
                return 3;
            default:
                return 4;
        }
    }

    void count(bool internal, int err) {
        counts_[internal ? 1 : 0][reason_of(err)].fetch_add(1, std::memory_order_relaxed);
    }
    uint64_t get(std::size_t listener, std::size_t reason) const {
        return counts_[listener][reason].load(std::memory_order_relaxed);
    }

private:
    std::array<std::array<std::atomic<uint64_t>, reasons.size()>, listeners.size()> counts_{};
};

}  // namespace rig::net
