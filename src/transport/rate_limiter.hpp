#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace rig::transport {

// MAX_CONNECTIONS_PER_MINUTE: a fixed 60-second window shared by every shard of the node (as
// in RIG): the first `per_minute` new connections of a window pass, later ones are refused.
// One atomic word, touched once per new connection, never per event.
class connection_rate_limiter {
public:
    explicit connection_rate_limiter(uint32_t per_minute) : per_minute_(per_minute) {}

    bool try_acquire(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        if (per_minute_ == 0) {
            return true;
        }
        const uint64_t window = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count());
        uint64_t state = state_.load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t cur_window = state >> 32;
            const uint64_t count = cur_window == (window & 0xffffffff) ? (state & 0xffffffff) : 0;
            if (count >= per_minute_) {
                return false;
            }
            const uint64_t next = ((window & 0xffffffff) << 32) | (count + 1);
            if (state_.compare_exchange_weak(state, next, std::memory_order_relaxed)) {
                return true;
            }
        }
    }

private:
    uint32_t per_minute_;
    std::atomic<uint64_t> state_{0};
};

}  // namespace rig::transport
