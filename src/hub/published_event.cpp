#include "hub/published_event.hpp"

#include "cloudevents/encode.hpp"

namespace rig::hub {

event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    auto out = std::make_shared<published_event>();
    out->sse_chunk = cloudevents::encode_sse_chunk(ev.type, ev.id, ev.json);
    out->extractor = ex.for_type(ev.type);
    if (out->extractor != nullptr) {
        out->field_values = subscription::extractors::extract(*out->extractor, ev.document);
    }
    out->type = std::move(ev.type);
    out->id = std::move(ev.id);
    out->json = std::move(ev.json);
    return out;
}

}  // namespace rig::hub
