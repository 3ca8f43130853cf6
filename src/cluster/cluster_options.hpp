#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace rig::cluster {

struct cluster_options {
    std::vector<std::string> servers;         // RIG_CLUSTER_NATS: nats://host:port, any order
    std::string node_id;                      // RIG_NODE_ID (default: generated per start)
    std::chrono::milliseconds timeout{2000};  // RIG_CLUSTER_TIMEOUT_MS: answers, acknowledgements
    std::string prefix = "rig";               // RIG_CLUSTER_PREFIX: subject and bucket namespace
};

}  // namespace rig::cluster
