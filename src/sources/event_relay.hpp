#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace rig::sources {

// Where accepted events go in a cluster: to every node (this one included), which then
// delivers them to its own subscribers in the order the relay carries them. Without a
// cluster there is no relay and events go straight to the node's hub.
//
// @par Thread safety
// relay() may be called from any thread (shards, broker client threads).
class event_relay {
public:
    // Callers keep each relayed message (the JSON array) about this size or below (see
    // relay_batch): NATS refuses messages over its max_payload (1 MiB by default). A single
    // event larger than that is refused.
    static constexpr std::size_t message_limit = std::size_t{512} * 1024;

    virtual ~event_relay() = default;

    // Sends `events`, a JSON array of structured CloudEvents, in order (the bytes are copied
    // before relay() returns). When `committed` is
    // given it is called once, on a relay thread: true when the backplane has acknowledged
    // the events (every node will deliver them, after anything committed before), false when
    // it could not be reached in time (the events may or may not be delivered).
    virtual void relay(std::string_view events, std::function<void(bool)> committed) = 0;
};

// Events on their way to a relay: their JSON collected into arrays of at most about
// event_relay::message_limit, each relayed as soon as the next event would pass it, in order.
// Used on one thread.
class relay_batch {
public:
    explicit relay_batch(event_relay& relay) : relay_(relay) {}

    void add(std::string_view event_json) {
        if (!message_.empty() &&
            message_.size() + event_json.size() + 2 > event_relay::message_limit) {
            flush();
        }
        message_ += message_.empty() ? '[' : ',';
        message_ += event_json;
    }

    // Relays what is left. `committed`, when given, answers for every message this batch
    // relayed: they went out in order on one connection, so the last one's acknowledgement
    // covers the others. Without anything left to relay it is called with true at once.
    void flush(std::function<void(bool)> committed = nullptr) {
        if (message_.empty()) {
            if (committed) {
                committed(true);
            }
            return;
        }
        message_ += ']';
        relay_.relay(message_, std::move(committed));
        message_.clear();
    }

private:
    event_relay& relay_;
    std::string message_;
};

}  // namespace rig::sources
