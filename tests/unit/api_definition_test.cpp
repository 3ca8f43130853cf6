#include "proxy/api_definition.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>

#include "proxy/proxy_config.hpp"
#include "support/temp_file.hpp"

namespace {

namespace json = boost::json;
using rig::proxy::load_proxy_config;
using rig::proxy::make_api;
using rig::proxy::normalise_methods;
using rig::proxy::response_source;
using rig::proxy::target_kind;
using rig::proxy::validate_api;

json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

// A valid API; `endpoint` is the one endpoint's JSON, `extra` more top-level members.
json::object api_with(std::string_view endpoint = R"({"id":"e1","method":"GET","path_regex":"/a"})",
                      std::string_view extra = "") {
    std::string text = R"({"id":"invalid-config","name":"n",)";
    text += extra;
    text += R"("proxy":{"target_url":"localhost","port":3000},)";
    text += R"("version_data":{"default":{"endpoints":[)";
    text += endpoint;
    text += "]}}}";
    return obj(text);
}

std::string errors_of(const json::object& api) {
    return validate_api(api).to_json();
}

TEST(ApiValidation, AValidApiHasNoErrors) {
    EXPECT_TRUE(validate_api(api_with()).empty());
}

// Found by fuzzing: Boost.JSON reads 1e999 as infinity, and the definition, kept as given,
// was listed by the internal API and replicated to the other nodes as `Infinity` (not JSON).
TEST(ApiValidation, NumbersOutOfRangeAreRefused) {
    EXPECT_EQ(errors_of(api_with(R"({"id":"e1","method":"GET","path_regex":"/a","n":-1e400})",
                                 R"("extra":{"x":[1e999]},)")),
              R"({"api":[{"extra":"must not hold a number out of range"},)"
              R"({"version_data":"must not hold a number out of range"}]})");
    EXPECT_TRUE(validate_api(api_with(R"({"id":"e1","method":"GET","path_regex":"/a"})",
                                      R"("extra":1e308,)"))
                    .empty());
}

// Spec §13.12 #77.
TEST(ApiValidation, EmptyBodyOnPut) {
    EXPECT_EQ(validate_api(obj("{}"), "invalid-config").to_json(),
              R"({"api":[{"name":"must be string"},{"name":"must have a length of at least 1"},)"
              R"({"proxy":"must be present"},{"version_data":"must be present"}]})");
}

// #78.
TEST(ApiValidation, EmptyProxyVersionDataAndEndpoints) {
    EXPECT_EQ(
        validate_api(obj(R"({"name":"n","proxy":{},"version_data":{"default":{"endpoints":[]}}})"),
                     "x")
            .to_json(),
        R"({"api":[{"proxy":"must be present"},{"target_url":"must be string"},)"
        R"({"target_url":"must have a length of at least 1"},{"port":"must be integer"}]})");
    EXPECT_EQ(validate_api(
                  obj(R"({"name":"n","proxy":{"target_url":"h","port":1},"version_data":{}})"), "x")
                  .to_json(),
              R"({"api":[{"version_data":"must be present"},)"
              R"({"version_data":"must have at least one version, e.g. default"}]})");
    for (const char* versions : {R"({"default":{}})", R"({"default":{"endpoints":{}}})"}) {
        EXPECT_EQ(
            validate_api(obj(std::string(R"({"name":"n","proxy":{"target_url":"h","port":1},)") +
                             R"("version_data":)" + versions + "}"),
                         "x")
                .to_json(),
            R"({"api":[{"endpoints":"must be list"}]})")
            << versions;
    }
}

// #79.
TEST(ApiValidation, EndpointFields) {
    EXPECT_EQ(errors_of(api_with("{}")),
              R"({"invalid-config/":[{"id":"must be string"},)"
              R"({"id":"must have a length of at least 1"},{"path_regex":"must be string"},)"
              R"({"path_regex":"must have a length of at least 1"},{"method":"must be string"},)"
              R"({"method":"must have a length of at least 1"}]})");
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":""})")),
              R"({"invalid-config/e":[{"path_regex":"must have a length of at least 1"}]})");
}

// #74.
TEST(ApiValidation, EndpointTargets) {
    for (const char* target : {"kinesis", "kafka", "KAFKA"}) {
        EXPECT_EQ(errors_of(api_with(std::string(R"({"id":"invalid-config1","method":"GET",)") +
                                     R"("path_regex":"/a","target":")" + target + R"("})")),
                  R"({"invalid-config/invalid-config1":[{"topic":"must be present"}]})")
            << target;
    }
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a","schema":"s"})")),
              R"({"invalid-config/e":[{"target":"must be present"}]})");
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a","secured":true})")),
              R"({"invalid-config/e":[{"auth_type":"must be one of [\"jwt\"]"}]})");
    EXPECT_TRUE(
        validate_api(api_with(R"({"id":"e","method":"GET","path_regex":"/a","secured":true})",
                              R"("auth_type":"jwt",)"))
            .empty());
    // rig refuses what RIG would crash on at request time.
    EXPECT_EQ(
        errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a","target":"smtp"})")),
        R"({"invalid-config/e":[{"target":"must be one of [\"http\", \"kafka\", \"kinesis\", \"nats\"]"}]})");
    EXPECT_NE(
        errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a","response_from":"x"})"))
            .find("response_from"),
        std::string::npos);
}

// #75.
TEST(ApiValidation, Auth) {
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a"})",
                                 R"("auth_type":"jwt","auth":{"use_header":true},)")),
              R"({"invalid-config":[{"header_name":"must be present"}]})");
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a"})",
                                 R"("auth_type":"jwt","auth":{"use_query":true},)")),
              R"({"invalid-config":[{"query_name":"must be present"}]})");
    EXPECT_EQ(errors_of(api_with(R"({"id":"e","method":"GET","path_regex":"/a"})",
                                 R"("auth":{"use_query":true,"query_name":"test"},)")),
              R"({"invalid-config":[{"auth_type":"must be one of [\"jwt\"]"}]})");
}

TEST(ApiDefinition, DefaultsAndJwtForcing) {
    auto d =
        make_api(api_with(R"j({"id":"e","method":"GET","path_regex":"/a/([^/]+)",)j"
                          R"("path_replacement":"/b/\\1","target":"Kafka","topic":"t",)"
                          R"("response_from":"http_async","secured":true})",
                          R"("auth_type":"jwt","auth":{"use_query":true,"query_name":"token"},)"));
    EXPECT_TRUE(d.jwt);
    EXPECT_TRUE(d.auth.use_header);
    EXPECT_EQ(d.auth.header_name, "Authorization");
    EXPECT_TRUE(d.auth.use_query);
    EXPECT_EQ(d.auth.query_name, "token");
    EXPECT_TRUE(d.active);
    EXPECT_FALSE(d.versioned);
    EXPECT_EQ(d.ref_number, 0U);
    EXPECT_EQ(d.proxy.target_url, "localhost");
    EXPECT_EQ(d.proxy.port, 3000);
    EXPECT_FALSE(d.proxy.use_env);
    ASSERT_EQ(d.endpoints.size(), 1U);
    const auto& ep = d.endpoints.front();
    EXPECT_EQ(ep.path_replacement.value_or(""), "/b/\\1");
    EXPECT_EQ(ep.target, target_kind::kafka);
    EXPECT_EQ(ep.topic, "t");
    EXPECT_EQ(ep.response_from, response_source::http_async);
    EXPECT_TRUE(ep.secured);

    const auto plain = make_api(api_with());
    EXPECT_FALSE(plain.jwt);
    EXPECT_FALSE(plain.auth.use_header);
    EXPECT_EQ(plain.endpoints.front().target, target_kind::http);
    EXPECT_EQ(plain.endpoints.front().response_from, response_source::http);
}

TEST(ApiDefinition, OnlyTheDefaultVersionIsRouted) {
    auto api =
        obj(R"({"id":"a","name":"a","proxy":{"target_url":"h","port":1},)"
            R"("version_data":{"v2":{"endpoints":[{"id":"x","method":"GET","path_regex":"/x"}]},)"
            R"("default":{"transform_request_headers":{"add_headers":{"host":"example"}},)"
            R"("endpoints":[{"id":"y","method":"GET","path_regex":"/y"}]}}})");
    ASSERT_TRUE(validate_api(api).empty());
    const auto d = make_api(api);
    ASSERT_EQ(d.endpoints.size(), 1U);
    EXPECT_EQ(d.endpoints.front().id, "y");
    ASSERT_EQ(d.add_headers.size(), 1U);
    EXPECT_EQ(d.add_headers.front().second, "example");
}

TEST(ApiDefinition, MethodsAreUpperCased) {
    auto api = api_with(R"({"id":"e","method":"post","path_regex":"/a"})");
    normalise_methods(api);
    EXPECT_EQ(make_api(api).endpoints.front().method, "POST");
}

TEST(ProxyConfig, InlineAndFromAFile) {
    const std::string list =
        R"( [{"id":"a","name":"a","proxy":{"target_url":"h","port":1},)"
        R"("version_data":{"default":{"endpoints":[{"id":"x","method":"get","path_regex":"/x"}]}}}])";
    auto inline_apis = load_proxy_config(list);
    ASSERT_TRUE(inline_apis.has_value()) << inline_apis.error().message;
    ASSERT_EQ(inline_apis->size(), 1U);
    EXPECT_EQ(inline_apis->front().endpoints.front().method, "GET");

    rig::test::temp_file file(list);
    auto from_file = load_proxy_config(file.path());
    ASSERT_TRUE(from_file.has_value()) << from_file.error().message;
    EXPECT_EQ(from_file->front().id, "a");
}

TEST(ProxyConfig, ErrorsNameTheProblem) {
    EXPECT_NE(load_proxy_config("/no/such/file.json").error().message.find("cannot read"),
              std::string::npos);
    EXPECT_NE(load_proxy_config("[1,").error().message.find("not JSON"), std::string::npos);
    rig::test::temp_file object_file(R"({"id":"a"})");
    EXPECT_NE(load_proxy_config(object_file.path()).error().message.find("JSON array"),
              std::string::npos);
    const auto invalid = load_proxy_config(
        R"([{"id":"billing","name":"b","proxy":{"target_url":"h","port":1},)"
        R"("version_data":{"default":{"endpoints":[{"id":"pay","method":"POST","path_regex":"/p","target":"kafka"}]}}}])");
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error().message,
              R"(API 1 ("billing"): {"billing/pay":[{"topic":"must be present"}]})");
    const std::string one =
        R"({"id":"a","name":"a","proxy":{"target_url":"h","port":1},"version_data":{"default":{"endpoints":[]}}})";
    EXPECT_NE(load_proxy_config("[" + one + "," + one + "]").error().message.find("twice"),
              std::string::npos);
}

}  // namespace
