#pragma once

#include "core/env.hpp"
#include "hub/event_history.hpp"

namespace rig::hub {

// RIG_HISTORY_SIZE, RIG_HISTORY_TTL_S and RIG_HISTORY_MAX_BYTES: the events kept for clients
// that resume.
core::result<event_history::limits> parse_history_limits(const core::env& env);

}  // namespace rig::hub
