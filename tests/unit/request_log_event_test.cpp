#include "proxy/request_log_event.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace {

namespace json = boost::json;
using rig::proxy::endpoint_source;
using rig::proxy::make_api;
using rig::proxy::make_request_log_event;

TEST(RequestLogEvent, IsACloudEvent02WithTheCallData) {
    const json::object endpoint =
        json::parse(R"({"id":"e1","method":"GET","path_regex":"/a"})").as_object();
    const auto event = json::parse(make_request_log_event(endpoint, "/a", "10.0.0.1")).as_object();
    EXPECT_EQ(event.at("specversion"), "0.2");
    EXPECT_EQ(event.at("type"), "com.rig.proxy.api.call");
    EXPECT_EQ(event.at("source"), "/rig");
    EXPECT_EQ(event.at("contenttype"), "application/json");
    EXPECT_EQ(event.at("id").as_string().size(), 36u);  // a UUID
    EXPECT_NE(event.at("id"),
              json::parse(make_request_log_event(endpoint, "/a", "x")).as_object().at("id"));
    const std::string time(event.at("time").as_string());
    EXPECT_EQ(time.size(), 32u) << time;  // 2019-03-27T11:53:18.435690+00:00
    EXPECT_EQ(time[10], 'T');
    EXPECT_FALSE(event.contains("traceparent"));
    const auto& data = event.at("data").as_object();
    EXPECT_EQ(data.at("endpoint"), endpoint);
    EXPECT_EQ(data.at("request_path"), "/a");
    EXPECT_EQ(data.at("remote_ip"), "10.0.0.1");
    EXPECT_EQ(data.size(), 3u);
}

TEST(RequestLogEvent, CarriesTheTraceparent) {
    const auto event =
        json::parse(make_request_log_event({}, "/", "::1", "00-abc-def-01")).as_object();
    EXPECT_EQ(event.at("traceparent"), "00-abc-def-01");
}

TEST(RequestLogEvent, EndpointSourceIsTheConfiguredObject) {
    const auto api = make_api(json::parse(R"({"id":"a","name":"a",
        "proxy":{"target_url":"h","port":1},
        "version_data":{"default":{"endpoints":[
          {"id":"e1","method":"GET","path_regex":"/1"},
          {"id":"e2","method":"POST","path_regex":"/2","target":"kafka","topic":"t"}]}}})")
                                  .as_object());
    EXPECT_EQ(endpoint_source(api, "e2"),
              json::parse(R"({"id":"e2","method":"POST","path_regex":"/2","target":"kafka",
                              "topic":"t"})"));
    EXPECT_TRUE(endpoint_source(api, "nope").empty());
}

}  // namespace
