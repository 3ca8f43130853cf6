#pragma once

#include <optional>

#include "config/node_options.hpp"
#include "core/error.hpp"

namespace rig::config {

// `rig --check-config`: what a start would refuse beyond load(), checked without opening a
// socket or starting a client. load() already reads and validates every file it is given
// (HTTPS certificate and key, EXTRACTORS, PROXY_CONFIG_FILE, RIG_TLS_CA_FILE, JWT keys); the
// Kafka settings are only handed to librdkafka when the node builds its clients, so they are
// checked here: the properties librdkafka would be given, and that the SSL files are readable.
// Called once, on the main thread, before anything starts.
std::optional<core::error> check_before_start(const node_options& options);

}  // namespace rig::config
