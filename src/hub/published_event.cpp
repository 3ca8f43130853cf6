#include "hub/published_event.hpp"

#include "cloudevents/encode.hpp"

namespace rig::hub {
published_event::published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex,
                                 bool sse_id)
    : published_event(std::move(ev), ex, unframed_t{}) {
    sse_id_ = sse_id;
    frame();
}

published_event::published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex,
                                 unframed_t)
    : type_(std::move(ev.type)),
      id_(std::move(ev.id)),
      ws_frame_(std::move(ev.json)),
      framed_(false) {
    read_fields(ex, ws_frame_, ev.stamp_size);
}

void published_event::frame() {
    if (framed_) {
        return;
    }
    auto ws = cloudevents::encode_ws_text_frame(std::move(ws_frame_));
    ws_frame_ = std::move(ws.bytes);
    json_offset_ = static_cast<uint8_t>(ws.payload_offset);
    framed_ = true;
}

void published_event::read_fields(const subscription::extractors& ex, std::string_view json,
                                  std::size_t stamp_size) {
    extractor_ = ex.for_type(type_);
    if (extractor_ != nullptr) {
        field_values_ = subscription::extractors::extract(*extractor_, json, stamp_size);
    }
    if (!ex.conflation_pointer().empty()) {
        conflation_ = ex.conflation_key_of(type_, json, stamp_size);
    }
    interest_ = interest_key::of(type_, fields());
}

published_event::published_event(const published_event& other)
    : type_(other.type_),
      id_(other.id_),
      extractor_(other.extractor_),
      field_values_(other.field_values_),
      conflation_(other.conflation_),
      interest_(other.interest_) {
    seq_ = other.seq_;
    published_at_ = other.published_at_;
    auto ws = cloudevents::encode_ws_text_frame(other.json());
    ws_frame_ = std::move(ws.bytes);
    json_offset_ = static_cast<uint8_t>(ws.payload_offset);
}

void published_event::encode_sse() const {
    // Shards may ask at once; the first encodes, the others wait for it (then only a load).
    std::call_once(sse_encoded_, [this] {
        auto sse =
            cloudevents::encode_sse_chunk(type_, sse_id_ ? std::string_view(id_) : "", json());
        sse_chunk_ = std::move(sse.bytes);
        sse_offset_ = static_cast<uint8_t>(sse.payload_offset);
    });
}

event_ptr make_unframed_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    return std::make_shared<const published_event>(std::move(ev), ex,
                                                   published_event::unframed_t{});
}

event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    return std::make_shared<const published_event>(std::move(ev), ex);
}

}  // namespace rig::hub
