#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace rig::cluster {

struct cluster_options {
    std::vector<std::string> servers;         // RIG_CLUSTER_NATS: nats://host:port, any order
    std::string node_id;                      // RIG_NODE_ID (default: generated per start)
    std::chrono::milliseconds timeout{2000};  // RIG_CLUSTER_TIMEOUT_MS: answers, acknowledgements
    std::string prefix = "rig";               // RIG_CLUSTER_PREFIX: subject and bucket namespace
};

// RIG_CLUSTER_NATS, RIG_NODE_ID, RIG_CLUSTER_TIMEOUT_MS and RIG_CLUSTER_PREFIX: nullopt when
// RIG_CLUSTER_NATS is unset (a single node). A cluster needs `node_cookie` (NODE_COOKIE).
core::result<std::optional<cluster_options>> parse_cluster_options(const core::env& env,
                                                                   const std::string& node_cookie);

}  // namespace rig::cluster
