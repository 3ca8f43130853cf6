#pragma once

#include <chrono>
#include <cstdint>

#include "hub/shard_stats.hpp"

namespace rig::hub {
class event_history;
}
#include "transport/transport_options.hpp"

namespace rig::transport {

class connection;

// The shard timer visits each connection once per heartbeat interval, in this many rounds
// (1/16 of the connections per round).
inline constexpr unsigned ticks_per_heartbeat = 16;

// What a connection sees of the shard it lives on. Implemented by the shard's
// connection_registry; unit tests implement it with a fake.
//
// Every call may be made while the shard is delivering an event (from inside
// hub::subscriber::deliver): the host defers whatever would edit the subscription index.
class connection_host {
public:
    // Limits and intervals (the queue bound, the heartbeat interval, long-poll settings).
    virtual const transport_options& options() const = 0;
    // The shard timer's round count: a connection measures heartbeats and expiry in it.
    virtual uint64_t tick() const = 0;
    // True while the node shuts down: connections close faster and take no new work.
    virtual bool draining() const = 0;
    // The time close deadlines and long-poll expiry are measured in (a fake in tests).
    virtual std::chrono::steady_clock::time_point now() const = 0;
    // Calls c.flush() at the end of the shard's current round of work, together with every
    // other connection that asked meanwhile: deliveries that arrive back to back leave each
    // connection with one gathered write, not one each.
    virtual void request_flush(connection& c) = 0;
    // c's subscriptions changed: re-index them.
    virtual void subscriptions_changed(connection& c) = 0;
    // c stopped receiving events (it is closing): it leaves the index and its sessions.
    virtual void closing(connection& c) = 0;
    // c is done: it leaves the registry (its token answers 410 from now on).
    virtual void finished(connection& c) = 0;
    // The shard's counters.
    virtual hub::shard_stats& stats() = 0;
    // The node's recent events, for connections that resume (null: none kept).
    virtual const hub::event_history* history() const { return nullptr; }

protected:
    ~connection_host() = default;
};

}  // namespace rig::transport
