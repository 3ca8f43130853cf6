#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace rig::cloudevents {

enum class spec_version { v0_1, v0_2, v0_3, v1_0 };

std::string_view to_string(spec_version v);

// A validated inbound CloudEvent, before it becomes a published event.
//
// `json` is what subscribers receive: the original bytes whenever the event arrived in
// structured form (trimmed, with the time attribute stamped in if it was missing), or a
// serialisation of the event built from a binary-mode request. `document` is the parsed form
// of `json`, kept so that constraint fields can be extracted without parsing twice.
struct cloud_event {
    spec_version version{};
    std::string type;
    std::string id;
    std::string json;
    boost::json::value document;
};

}  // namespace rig::cloudevents
