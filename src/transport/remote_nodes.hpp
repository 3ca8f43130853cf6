#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "net/asio.hpp"

namespace rig::transport {

// The other nodes of a cluster, as the endpoints see them: a connection token names the node
// that owns the connection (its instance), and a request for a connection owned elsewhere
// (a subscription update, a long poll) is asked of that node.
//
// @par Thread safety
// ask() may be called from any shard; it resumes the caller on its own shard.
class remote_nodes {
public:
    virtual ~remote_nodes() = default;

    // Sends `request` to the node with `instance` and returns its answer; nothing when no
    // such node answers within the cluster timeout plus `hold` (how long the owner may keep
    // the request before it answers, as a long poll does): it is gone, or never existed.
    virtual asio::awaitable<std::optional<std::string>> ask(uint32_t instance, std::string request,
                                                            std::chrono::milliseconds hold) = 0;
};

}  // namespace rig::transport
