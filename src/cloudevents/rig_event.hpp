#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "cloudevents/cloud_event.hpp"

namespace rig::cloudevents {

// An event rig generates itself (rig.connection.create, rig.subscriptions_set,
// rig.session_killed): CloudEvents 1.0, source "rig", a random UUID id, time = now, and `data`
// when given (null means no data attribute). Its `document` stays null: nothing extracts
// fields from rig's own events.
cloud_event make_rig_event(std::string_view type, const boost::json::value& data);

}  // namespace rig::cloudevents
