#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "proxy/api_definition.hpp"

namespace rig::proxy {

// The Kafka topic's partition key of every request-log event (RIG uses a constant).
inline constexpr std::string_view request_log_partition_key = "partition";

// The CloudEvent 0.2 `com.rig.proxy.api.call` the request logger produces to KAFKA_LOG_TOPIC
// for a matched proxy request (spec §8.9), as compact JSON: a random id, the current time,
// source "/rig", contenttype application/json, data {endpoint, request_path, remote_ip}.
// `endpoint` is the endpoint's configuration object as given (see endpoint_source);
// `traceparent` is added as an attribute when not empty.
std::string make_request_log_event(const boost::json::object& endpoint,
                                   std::string_view request_path, std::string_view remote_ip,
                                   std::string_view traceparent = {});

// The configuration object of endpoint `endpoint_id` in the definition `api` was made from
// (version_data.default.endpoints), or an empty object if it is not there.
boost::json::object endpoint_source(const api_definition& api, std::string_view endpoint_id);

}  // namespace rig::proxy
