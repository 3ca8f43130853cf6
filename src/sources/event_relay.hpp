#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace rig::sources {

// Where accepted events go in a cluster: to every node (this one included), which then
// delivers them to its own subscribers in the order the relay carries them. Without a
// cluster there is no relay and events go straight to the node's hub.
//
// @par Thread safety
// relay() may be called from any thread (shards, broker client threads).
class event_relay {
public:
    // Callers keep each relayed message (the JSON array) about this size or below, starting a
    // new one when the next event would pass it: NATS refuses messages over its max_payload
    // (1 MiB by default). A single event larger than that is refused.
    static constexpr std::size_t message_limit = 512 * 1024;

    virtual ~event_relay() = default;

    // Sends `events`, a JSON array of structured CloudEvents, in order. When `committed` is
    // given it is called once, on a relay thread: true when the backplane has acknowledged
    // the events (every node will deliver them, after anything committed before), false when
    // it could not be reached in time (the events may or may not be delivered).
    virtual void relay(std::string events, std::function<void(bool)> committed) = 0;
};

}  // namespace rig::sources
