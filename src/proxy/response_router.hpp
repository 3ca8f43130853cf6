#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio.hpp"
#include "proxy/async_response.hpp"
#include "proxy/correlation_codec.hpp"

namespace rig::proxy {

class response_waiters;

// Routes an asynchronous response to the request waiting for it, from whatever thread it
// arrived on (the Kafka response consumer's, the internal API's shard, a NATS thread): a
// correlation id of this node instance is posted to the waiters of the shard it names; one of
// another instance goes to the remote hook (the cluster forwards it to that node); one that
// is not an authentic correlation id is counted and dropped.
//
// @par Thread safety
// deliver() may be called from any thread, concurrently. Construction and destruction
// happen while no thread delivers.
//
// Lifetime: the shards' waiters must outlive the router and every delivery it posted (the node
// owns both, and stops the shards' io_contexts before destroying the waiters).
class response_router {
public:
    // Where one shard's waiters live: its io_context's executor and its response_waiters.
    struct shard {
        asio::any_io_executor executor;
        response_waiters* waiters = nullptr;
    };

    // Called on the delivering thread for a response whose correlation id names another node
    // instance. Must not block.
    using remote_hook =
        std::function<void(uint32_t instance, std::string correlation, async_response response)>;

    struct stats {
        std::atomic<uint64_t> local{0};      // posted to one of this node's shards
        std::atomic<uint64_t> remote{0};     // handed to the remote hook
        std::atomic<uint64_t> malformed{0};  // not an authentic correlation id: dropped
        std::atomic<uint64_t> unroutable{
            0};  // names no shard here, or another instance and no hook
    };

    enum class outcome { local, remote, malformed, unroutable };

    // `shards[i]` is shard i. `remote` may be empty (single node): responses for other
    // instances are then dropped.
    response_router(correlation_codec codec, uint32_t instance, std::vector<shard> shards,
                    remote_hook remote = {});

    // Routes `response` to the waiter named by `correlation`. The outcome says where it went,
    // not whether a waiter still waits: that is known only later, on the shard.
    outcome deliver(std::string_view correlation, async_response response);
    outcome deliver(correlated_response message) {
        return deliver(message.correlation, std::move(message.response));
    }

    const correlation_codec& codec() const { return codec_; }
    uint32_t instance() const { return instance_; }
    const stats& counters() const { return stats_; }

private:
    correlation_codec codec_;
    uint32_t instance_;
    std::vector<shard> shards_;
    remote_hook remote_;
    stats stats_;
};

}  // namespace rig::proxy
