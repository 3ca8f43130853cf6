#include "proxy/response_router.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "proxy/response_waiters.hpp"

namespace rig::proxy {

response_router::response_router(correlation_codec codec, uint32_t instance,
                                 std::vector<shard> shards, remote_hook remote)
    : codec_(codec), instance_(instance), shards_(std::move(shards)), remote_(std::move(remote)) {}

response_router::outcome response_router::deliver(std::string_view correlation,
                                                  async_response response) {
    const auto address = codec_.decode(correlation);
    if (!address) {
        stats_.malformed.fetch_add(1, std::memory_order_relaxed);
        return outcome::malformed;
    }
    if (address->instance != instance_) {
        if (!remote_) {
            stats_.unroutable.fetch_add(1, std::memory_order_relaxed);
            return outcome::unroutable;
        }
        stats_.remote.fetch_add(1, std::memory_order_relaxed);
        remote_(address->instance, std::string(correlation), std::move(response));
        return outcome::remote;
    }
    if (address->shard >= shards_.size()) {
        // Authentic and ours, yet no such shard: only a bug could issue it.
        stats_.unroutable.fetch_add(1, std::memory_order_relaxed);
        return outcome::unroutable;
    }
    // Counted first: the waiter may complete on its shard before post() returns here.
    stats_.local.fetch_add(1, std::memory_order_relaxed);
    const shard& target = shards_[address->shard];
    asio::post(target.executor, [waiters = target.waiters, id = address->waiter,
                                 response = std::move(response)]() mutable {
        waiters->deliver(id, std::move(response));
    });
    return outcome::local;
}

}  // namespace rig::proxy
