#include "hub/published_event.hpp"

#include "cloudevents/encode.hpp"

namespace rig::hub {

published_event::published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex)
    : type_(std::move(ev.type)), id_(std::move(ev.id)) {
    auto sse = cloudevents::encode_sse_chunk(type_, id_, ev.json);
    sse_chunk_ = std::move(sse.bytes);
    sse_offset_ = static_cast<uint8_t>(sse.payload_offset);
    auto ws = cloudevents::encode_ws_text_frame(ev.json);
    ws_frame_ = std::move(ws.bytes);
    json_offset_ = static_cast<uint8_t>(ws.payload_offset);
    extractor_ = ex.for_type(type_);
    if (extractor_ != nullptr) {
        field_values_ = subscription::extractors::extract(*extractor_, ev.document);
    }
}

event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    return std::make_shared<const published_event>(std::move(ev), ex);
}

}  // namespace rig::hub
