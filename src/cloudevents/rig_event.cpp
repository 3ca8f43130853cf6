#include "cloudevents/rig_event.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/random.hpp"

namespace rig::cloudevents {

cloud_event make_rig_event(std::string_view type, boost::json::value data) {
    cloud_event ev;
    ev.version = spec_version::v1_0;
    ev.type = std::string(type);
    ev.id = core::uuid_v4();
    boost::json::object obj;
    obj["specversion"] = "1.0";
    obj["type"] = type;
    obj["source"] = "rig";
    obj["id"] = ev.id;
    obj["time"] = core::rfc3339_now();
    if (!data.is_null()) {
        obj["datacontenttype"] = "application/json";
        obj["data"] = std::move(data);
    }
    ev.json = boost::json::serialize(obj);
    ev.document = std::move(obj);
    return ev;
}

}  // namespace rig::cloudevents
