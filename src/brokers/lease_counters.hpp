#pragma once

#include <atomic>
#include <cstdint>

namespace rig::brokers {

// What the Kinesis lease reader reports about its leases, for /metrics. Written by the
// reader's thread, read from any thread.
struct lease_counters {
    std::atomic<int64_t> held{-1};    // leases held now (-1: no lease table in use)
    std::atomic<uint64_t> takes{0};   // leases taken (free, expired or stolen)
    std::atomic<uint64_t> losses{0};  // leases lost to another node or to a stalled renewal
    std::atomic<uint64_t> checkpoint_failures{0};
    std::atomic<uint64_t> throttles{0};  // Kinesis or DynamoDB answers that said "slow down"
};

}  // namespace rig::brokers
