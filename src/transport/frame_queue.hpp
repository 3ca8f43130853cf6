#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "transport/key_index.hpp"

namespace rig::transport {

// A connection's outgoing frames, bounded in bytes. Frames wait in the queue until the next
// gathered write takes all of them at once (in flight); the frames in flight have left the
// queue and do not count against the bound, so a client that reads promptly is never judged
// by how soon a write's completion is scheduled.
//
// The bound is a verdict, not a policy: push() says overflow and the connection decides
// (disconnect an SSE client, close a WebSocket with 1008). Long polling instead keeps the
// newest frames (push_evicting).
//
// Conflation (RIG_CONFLATION_KEY): once more than half of the bound waits, a frame that
// carries a conflation key replaces, in place, the newest waiting frame with the same key
// (same event type and key value) instead of queueing behind it, so a lagging client gets the
// latest state per key. Only waiting frames are replaced: a frame in the write in flight may
// be partly sent. Below half nothing is looked up and nothing is kept; past half a key_index
// is built over the waiting frames and lives until they leave. Frames without a key (rig's
// own events, heartbeats, events without the key, or conflation off) are never replaced and
// never replace.
//
// @par Thread safety
// Owned by one connection; used only on its shard.
class frame_queue {
public:
    explicit frame_queue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    enum class verdict { queued, conflated, overflow };

    // Queues `f` unless the bytes already waiting plus `f` would exceed the bound. An empty
    // queue takes any one frame however large, so that one event larger than the bound does
    // not cost every recipient its connection. Past half of the bound, `f` may instead
    // replace a waiting frame with the same conflation key (conflated), unless the bytes
    // after the swap would still exceed the bound (overflow).
    verdict push(core::frame f);

    // Queues `f` whatever the bound; until the next write takes it, it does not count
    // against the bound either (a replay, which the history bounds: the live frames behind it
    // are judged as if it were in flight).
    void push_exempt(core::frame f);

    // Queues `f`, dropping the oldest frames until at most `max_frames` remain and the bytes
    // fit the bound (the newest frame always stays). Returns how many it dropped.
    std::size_t push_evicting(core::frame f, std::size_t max_frames);

    bool has_pending() const { return !pending_.empty(); }
    std::size_t pending_bytes() const { return pending_bytes_; }
    std::span<const core::frame> pending() const { return pending_; }
    bool writing() const { return writing_; }

    // Moves every pending frame into the write in flight and returns them; they stay alive
    // until end_write().
    std::span<const core::frame> begin_write();
    // The write completed (or failed): releases its frames.
    void end_write();

    // Drops what waits (the write in flight is not affected).
    void clear_pending();
    // Drops everything and releases the memory.
    void clear();

private:
    // The newest waiting frame with key `key`, or null. Builds the index on first use.
    core::frame* find_same_key(const core::conflation_key& key);

    std::vector<core::frame> pending_;
    std::unique_ptr<key_index> index_;  // only while past half with keyed frames
    std::vector<core::frame> inflight_;
    std::size_t pending_bytes_ = 0;
    std::size_t exempt_bytes_ = 0;  // of pending_bytes_, pushed by push_exempt
    std::size_t max_bytes_;
    bool writing_ = false;
};

}  // namespace rig::transport
