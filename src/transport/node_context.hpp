#pragma once

#include <memory>
#include <vector>

#include "auth/jwt_verifier.hpp"
#include "hub/hub.hpp"
#include "subscription/extractors.hpp"
#include "transport/connection_token.hpp"
#include "transport/rate_limiter.hpp"
#include "transport/transport_options.hpp"

namespace rig::transport {

class shard_context;

// What every shard of a node shares: settings, the JWT verifier, the token codec, the
// connection rate limiter, the hub and the list of shards. Built by app before the shards
// start; immutable afterwards except for the rate limiter (atomic).
struct node_context {
    transport_options options;
    const subscription::extractors* extractors = nullptr;
    std::shared_ptr<const auth::jwt_verifier> jwt;  // null when no JWT key is configured
    token_codec tokens;
    connection_rate_limiter rate_limiter;
    hub::hub events;
    std::vector<shard_context*> shards;
};

}  // namespace rig::transport
