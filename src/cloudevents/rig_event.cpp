#include "cloudevents/rig_event.hpp"

#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/json_text.hpp"
#include "core/random.hpp"

namespace rig::cloudevents {

cloud_event make_rig_event(std::string_view type, const boost::json::value& data) {
    cloud_event ev;
    ev.version = spec_version::v1_0;
    ev.type = std::string(type);
    ev.id = core::uuid_v4();
    // Written as text: rig makes two of these per connection, and a JSON object built only to
    // be serialised cost more than the rest of the event.
    ev.json.reserve(192);
    ev.json += R"({"specversion":"1.0","type":)";
    ev.json += core::json_quote(type);
    ev.json += R"(,"source":"rig","id":")";
    ev.json += ev.id;  // a UUID: nothing to escape
    ev.json += R"(","time":")";
    ev.json += core::rfc3339_now();
    ev.json += '"';
    if (!data.is_null()) {
        ev.json += R"(,"datacontenttype":"application/json","data":)";
        ev.json += boost::json::serialize(data);
    }
    ev.json += '}';
    // No document: rig's own events have no EXTRACTORS fields to read from it.
    return ev;
}

}  // namespace rig::cloudevents
