#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rig::cloudevents {

enum class spec_version { v0_1, v0_2, v0_3, v1_0 };

std::string_view to_string(spec_version v);

// A validated inbound CloudEvent, before it becomes a published event.
//
// `json` is what subscribers receive: the original bytes whenever the event arrived in
// structured form (trimmed, with the time attribute stamped in if it was missing), or a
// serialisation of the event built from a binary-mode request. No parsed form is kept: what
// is read from the event later (EXTRACTORS fields, the conflation key, traceparent) is read
// from `json` (docs/adr/0015-event-parsing.md).
struct cloud_event {
    spec_version version{};
    std::string type;
    std::string id;
    std::string json;
    // How many bytes rig inserted right after json's opening brace: the time attribute it
    // stamped into a structured event that had none (0 otherwise). The text without them is
    // the one parsed to validate the event, whose document core::scan_json may still hold.
    std::size_t stamp_size = 0;
    // False when the parse read the event's top-level members and none is `traceparent`: the
    // tracer then has nothing to look for (tracing::tracer::continue_event).
    bool may_have_traceparent = true;
};

}  // namespace rig::cloudevents
