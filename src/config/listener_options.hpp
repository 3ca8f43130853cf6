#pragma once

#include <optional>

#include "config/node_options.hpp"
#include "core/env.hpp"

namespace rig::config {

// The listeners: INBOUND_PORT, API_HTTP_PORT, INBOUND_HTTPS_PORT, API_HTTPS_PORT,
// RIG_BIND_ADDRESS, RIG_API_BIND_ADDRESS, RIG_HTTP2 and the HTTPS files. The certificate and
// key are loaded here, so that every problem with them is an error naming its variable.
std::optional<core::error> read_listener_options(const core::env& env, node_options& o);

}  // namespace rig::config
