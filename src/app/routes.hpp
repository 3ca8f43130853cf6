#pragma once

#include "http/session.hpp"

namespace rig::sources {
class http_publisher;
}
namespace rig::transport {
class shard_context;
}

namespace rig::app {

// The public listener's routes (spec §2.1) for one shard.
http::handler make_inbound_routes(transport::shard_context& shard,
                                  const sources::http_publisher& publisher);

// The internal API's routes (spec §7): health, metrics, event submission.
http::handler make_admin_routes(transport::shard_context& shard,
                                const sources::http_publisher& publisher);

}  // namespace rig::app
