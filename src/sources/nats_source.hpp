#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sources/ingest.hpp"
#include "sources/nats_options.hpp"
#include "sources/source_status.hpp"

namespace rig::sources {

// Consumes CloudEvents from NATS subjects (cnats) in a queue group, so that a cluster of rig
// nodes receives each message once. Structured events in the payload, or binary mode through
// NATS headers (`ce-` prefix). Connects in the background and reconnects forever after a
// server restart; the status shows whether it is connected.
//
// Lifetime: unsubscribes and closes the connection in the destructor. cnats calls back on
// its own threads; nothing of the shards is touched there but the ingest.
class nats_source {
public:
    nats_source(nats_options options, const ingest& sink, source_status& status);
    ~nats_source();
    nats_source(const nats_source&) = delete;
    nats_source& operator=(const nats_source&) = delete;

    struct handles;

private:
    nats_options options_;
    const ingest& sink_;
    source_status& status_;
    std::unique_ptr<handles> handles_;
};

}  // namespace rig::sources
