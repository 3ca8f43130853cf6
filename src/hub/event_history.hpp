#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "hub/published_event.hpp"

namespace rig::hub {

// The node's recent events, in the order the node published them, for clients that resume
// after a reconnect (Last-Event-ID). Every event is appended once, on its way to the shards
// (hub::publish), and numbered: its sequence number orders it against every other event of
// this node. A resuming connection takes a snapshot — the events after its cursor and the
// newest sequence number — and then ignores live deliveries up to that number, which the
// snapshot holds: nothing is delivered twice or skipped while publishing goes on.
//
// Bounded by count (RIG_HISTORY_SIZE), age (RIG_HISTORY_TTL_S) and bytes
// (RIG_HISTORY_MAX_BYTES): the oldest events leave first.
//
// @par Thread safety
// Every member may be called from any thread: publishers append, shards take snapshots. One
// mutex, taken once per published batch and once per resume, never per delivery.
class event_history {
public:
    using clock = std::chrono::steady_clock;

    struct limits {
        std::size_t max_events = 10'000;      // 0: no history
        std::chrono::seconds ttl{300};        // older events are forgotten
        std::size_t max_bytes = 64ULL << 20;  // the kept events' bytes
    };

    explicit event_history(limits l) : limits_(l) {}
    event_history(const event_history&) = delete;
    event_history& operator=(const event_history&) = delete;
    ~event_history() = default;

    bool enabled() const { return limits_.max_events > 0; }

    // Numbers the events and keeps them (each is numbered even when history is off: 0 then).
    void append(std::span<const event_ptr> events);

    // What a resuming connection replays.
    struct snapshot {
        bool found = false;             // the cursor is known; else a gap
        std::vector<event_ptr> events;  // after the cursor, oldest first
        uint64_t newest = 0;            // live deliveries up to this number are in `events`
    };
    // The events after the most recent one whose id is `cursor` (ids are chosen by publishers
    // and may repeat), unless it has been evicted, expired or never seen.
    snapshot after(std::string_view cursor) const;

    struct stats {
        std::size_t events = 0;
        std::size_t bytes = 0;
    };
    stats current() const;

    // The bytes an event holds in memory (its wire forms, fields and bookkeeping).
    static std::size_t footprint(const published_event& e);

private:
    struct entry {
        event_ptr event;
        clock::time_point at;
        std::size_t bytes;
    };
    void evict(clock::time_point now);  // under mutex_

    limits limits_;
    mutable std::mutex mutex_;
    std::deque<entry> entries_;
    std::size_t bytes_ = 0;
    uint64_t next_seq_ = 1;
};

}  // namespace rig::hub
