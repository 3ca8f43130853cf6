#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "subscription/extractors.hpp"

namespace rig::hub {

// An event on its way to subscribers: parsed and validated once, its constraint fields
// extracted once, and its wire forms encoded once. Immutable, shared by pointer between
// shards and between every connection it is queued on.
struct published_event {
    std::string type;
    std::string id;
    std::string json;       // structured CloudEvent JSON: the WebSocket and long-poll payload
    std::string sse_chunk;  // the complete SSE message as one HTTP chunk
    const subscription::type_extractors* extractor = nullptr;
    std::vector<std::optional<subscription::scalar>> field_values;

    subscription::event_fields fields() const { return {extractor, field_values}; }
};

using event_ptr = std::shared_ptr<const published_event>;

// Builds the shared event. `ex` must outlive the event (it is the node's configuration).
event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex);

}  // namespace rig::hub
