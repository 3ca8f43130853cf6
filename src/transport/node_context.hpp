#pragma once

#include <memory>
#include <vector>

#include "auth/session_blacklist.hpp"
#include "auth/token_validator.hpp"
#include "checks/access_check.hpp"
#include "http/client_tls.hpp"
#include "hub/hub.hpp"
#include "subscription/extractors.hpp"
#include "transport/connection_token.hpp"
#include "transport/rate_limiter.hpp"
#include "transport/transport_options.hpp"

namespace rig::transport {

class shard_context;

// What every shard of a node shares: settings, JWT validation and the session blacklist, the
// access checks, the token codec, the connection rate limiter, the hub and the list of
// shards. Built by app before the shards start; immutable afterwards except for the rate
// limiter (atomic) and the blacklist (its own lock).
struct node_context {
    transport_options options;
    const subscription::extractors* extractors = nullptr;
    auth::token_validator jwt;  // not configured() when no JWT key is set
    auth::session_blacklist* blacklist = nullptr;
    checks::access_check subscription_check;  // SUBSCRIPTION_CHECK
    checks::access_check submission_check;    // SUBMISSION_CHECK
    http::client_tls outbound_tls;            // every shard's client_pool: https:// checks
    std::string api_key;                      // RIG_API_KEY: bearer key of the internal API
    token_codec tokens;
    connection_rate_limiter rate_limiter;
    hub::hub events;
    std::vector<shard_context*> shards;
};

}  // namespace rig::transport
