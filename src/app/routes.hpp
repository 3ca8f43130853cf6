#pragma once

#include <vector>

#include "http/session.hpp"

namespace rig::sources {
class http_publisher;
class source_status;
}  // namespace rig::sources
namespace rig::transport {
class shard_context;
}

namespace rig::app {

// The public listener's routes (spec §2.1) for one shard.
http::handler make_inbound_routes(transport::shard_context& shard,
                                  const sources::http_publisher& publisher);

// The internal API's routes (spec §7): health, metrics, event submission, session blacklist.
// `sources` are the node's event sources, for /metrics and /health/sources.
http::handler make_admin_routes(transport::shard_context& shard,
                                const sources::http_publisher& publisher,
                                const std::vector<const sources::source_status*>& sources);

}  // namespace rig::app
