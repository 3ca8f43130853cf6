#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "core/conflation_key.hpp"
#include "core/frame.hpp"
#include "hub/interest_key.hpp"
#include "subscription/extractors.hpp"

namespace rig::hub {

// An event on its way to subscribers: parsed and validated once, its constraint fields
// extracted once, and its wire forms encoded once. Immutable, shared by pointer between
// shards and between every connection it is queued on; a recipient queues a frame that
// points into it (sse_frame, ws_frame: no copy, one reference count).
//
// The SSE form is encoded when first asked for (by whichever shard first delivers the event
// over SSE, or replays it), not when the event is made: an event no connection takes over SSE,
// the common case when subscribers' constraints filter most events out, costs one encoding
// (the WebSocket frame, which also holds the JSON) instead of two.
class published_event {
public:
    // `sse_id`: whether the SSE message carries `id:` (not for rig's own events: a browser
    // would take their id as the cursor to resume from, and no history holds it).
    published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex,
                    bool sse_id = true);
    // Without wire forms yet (see make_unframed_event): the JSON and fields only.
    struct unframed_t {};
    published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex, unframed_t);
    // A framed copy of `other`, with its number.
    explicit published_event(const published_event& other);
    published_event& operator=(const published_event&) = delete;
    ~published_event() = default;

    // Encodes the wire forms of an event made unframed, in place (no copy of the JSON): only
    // while its maker holds the one reference, before anyone else can see it.
    void frame();

    // Whether the wire forms (sse_chunk, sse_message, ws_frame) exist; json() always does.
    bool framed() const { return framed_; }

    const std::string& type() const { return type_; }
    const std::string& id() const { return id_; }
    // The structured CloudEvent JSON: the WebSocket and long-poll payload, the 202 body.
    std::string_view json() const { return std::string_view(ws_frame_).substr(json_offset_); }
    // The SSE message (event:, id:, data: lines) framed as one HTTP/1.1 chunk.
    std::string_view sse_chunk() const {
        encode_sse();
        return sse_chunk_;
    }
    // The same message without the chunk framing (HTTP/2 streams).
    std::string_view sse_message() const {
        encode_sse();
        return std::string_view(sse_chunk_)
            .substr(sse_offset_, sse_chunk_.size() - sse_offset_ - 2);
    }
    // What sse_chunk() holds or will hold, in bytes, give or take the chunk's size line: for
    // accounting that must not depend on whether it was encoded yet.
    // An unframed event has none (a framed copy of it is another event).
    std::size_t sse_chunk_estimate() const {
        return framed_ ? json().size() + type_.size() + id_.size() + sse_framing_estimate : 0;
    }
    // The WebSocket text frame carrying json() (server frames are unmasked, so every
    // recipient is sent the same bytes).
    std::string_view ws_frame() const { return ws_frame_; }

    subscription::event_fields fields() const { return {extractor_, field_values_}; }
    // The type and field values hashed for the shards' interest filters (interest_map).
    const interest_key& interest() const { return interest_; }

    // The event's place in this node's publishing order (event_history), from 1; 0 for the
    // events rig makes for one connection. Set once, before the event reaches any shard.
    uint64_t seq() const { return seq_; }

    // The event's conflation key (type and the value at RIG_CONFLATION_KEY), or null when
    // conflation is off or the event has no scalar there.
    const core::conflation_key* conflation_key() const {
        return conflation_ ? &*conflation_ : nullptr;
    }

    // Whether this is the first shard to deliver the event to a connection: true once per
    // event, however many shards deliver it (rig_consumed_events_forwarded_total). One atomic
    // exchange per event; shards after the first only read the flag.
    bool first_forward() const {
        return !forwarded_.load(std::memory_order_relaxed) &&
               !forwarded_.exchange(true, std::memory_order_relaxed);
    }

    // When hub::hub published the event (steady clock, nanoseconds since its epoch; 0 for
    // the events rig makes for one connection): where publish→write latency starts. Set by
    // the publisher before any shard or the history can see the event.
    int64_t published_at() const { return published_at_; }
    void set_published_at(int64_t ns) const { published_at_ = ns; }

private:
    friend class event_history;
    static constexpr std::size_t sse_framing_estimate = 40;  // field names, newlines, chunk size
    void encode_sse() const;
    // The EXTRACTORS fields and the conflation key, read once from the event's JSON
    // (`stamp_size`: cloud_event::stamp_size).
    void read_fields(const subscription::extractors& ex, std::string_view json,
                     std::size_t stamp_size);

    mutable uint64_t seq_ = 0;
    mutable int64_t published_at_ = 0;
    mutable std::atomic<bool> forwarded_{false};
    std::string type_;
    std::string id_;
    bool sse_id_ = true;  // whether the SSE message carries `id:`
    mutable std::once_flag sse_encoded_;
    mutable std::string sse_chunk_;  // "<hex size>\r\n" + SSE message + "\r\n", once encoded
    std::string ws_frame_;           // WebSocket frame header + JSON
    mutable uint8_t sse_offset_ = 0;
    uint8_t json_offset_ = 0;
    bool framed_ = true;
    const subscription::type_extractors* extractor_ = nullptr;
    subscription::field_values field_values_;
    std::optional<core::conflation_key> conflation_;
    interest_key interest_;
};

using event_ptr = std::shared_ptr<const published_event>;

// Builds the shared event. `ex` must outlive the event (it is the node's configuration).
event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex);

// The same without wire forms, for an event nobody subscribes to when it is published: the
// history keeps it (a resuming client may want it) at the cost of moving its JSON, not of
// encoding it twice. Whoever sends it takes framed(e) first.
event_ptr make_unframed_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex);

// `e` itself when framed, else a framed copy (same number).
inline event_ptr framed(const event_ptr& e) {
    return e->framed() ? e : std::make_shared<const published_event>(*e);
}

// The frames a connection queues for an event: they share ownership of the event. SSE and
// WebSocket frames carry its conflation key; long polling's do not (its buffer is read by
// cursor, not consumed, so an event replaced in place could hide behind a client's cursor).
inline core::frame sse_frame(const event_ptr& e, bool chunked) {
    return {e, chunked ? e->sse_chunk() : e->sse_message(), e->conflation_key()};
}
inline core::frame ws_frame(const event_ptr& e) {
    return {e, e->ws_frame(), e->conflation_key()};
}
inline core::frame json_frame(const event_ptr& e) {
    return {e, e->json(), nullptr};
}

}  // namespace rig::hub
