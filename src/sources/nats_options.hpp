#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace rig::sources {

// The NATS event source's settings (spec §12.5).
struct nats_options {
    std::vector<std::string> servers;                // NATS_SERVERS
    std::vector<std::string> topics;                 // NATS_SOURCE_TOPICS
    std::string queue_group = "rig-nats-to-filter";  // NATSTOFILTER_QUEUE_GROUP
};

// NATS_*: nullopt when NATS_SERVERS is unset (NATS off).
core::result<std::optional<nats_options>> parse_nats_options(const core::env& env);

}  // namespace rig::sources
