#include "proxy/api_registry.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace {

namespace json = boost::json;
using rig::proxy::api_registry;

json::object api(const std::string& id, const std::string& method = "GET") {
    return json::parse(R"({"id":")" + id + R"(","name":")" + id +
                       R"(","proxy":{"target_url":"localhost","port":3000},)"
                       R"("version_data":{"default":{"endpoints":[{"id":"e","method":")" +
                       method + R"(","path_regex":"/)" + id + R"("}]}}})")
        .as_object();
}

json::value body_of(const api_registry::outcome& o) {
    return json::parse(o.body);
}

class ApiRegistry : public ::testing::Test {
protected:
    api_registry registry{"rig@127.0.0.1"};
    int changes = 0;
    void SetUp() override {
        registry.on_change([this] { ++changes; });
        ASSERT_EQ(registry.create(api("new-service")).status, 201U);
        ASSERT_EQ(registry.create(api("another-service")).status, 201U);
        ASSERT_EQ(registry.remove("another-service").status, 204U);
    }
};

// Spec §13.12 #71-72.
TEST_F(ApiRegistry, ListAndGetShowOnlyActiveApis) {
    const auto list = body_of(registry.list()).as_array();
    ASSERT_EQ(list.size(), 1U);
    const auto& shown = list.front().as_object();
    EXPECT_EQ(shown.at("id"), "new-service");
    EXPECT_EQ(shown.at("active"), true);
    EXPECT_EQ(shown.at("ref_number"), 0);
    EXPECT_EQ(shown.at("node_name"), "rig@127.0.0.1");
    EXPECT_TRUE(shown.at("timestamp").is_string());
    EXPECT_EQ(shown.at("auth_type"), "none");
    EXPECT_EQ(registry.get("new-service").status, 200U);
    for (const char* id : {"fake-service", "another-service"}) {
        const auto o = registry.get(id);
        EXPECT_EQ(o.status, 404U);
        EXPECT_EQ(body_of(o).at("message"),
                  json::value(std::string("API with id=") + id + " doesn't exists."));
    }
}

// #73.
TEST_F(ApiRegistry, CreateRefusesAnActiveIdAndReplacesAnInactiveOne) {
    const auto conflict = registry.create(api("new-service"));
    EXPECT_EQ(conflict.status, 409U);
    EXPECT_EQ(body_of(conflict).at("message"), "API with id=new-service already exists.");
    const auto replaced = registry.create(api("another-service"));
    EXPECT_EQ(replaced.status, 201U);
    EXPECT_EQ(body_of(replaced).at("message"), "ok");
    EXPECT_EQ(body_of(registry.get("another-service")).at("ref_number"), 2);  // add, delete, add
}

TEST_F(ApiRegistry, CreateValidatesAndUpperCasesMethods) {
    auto bad = api("x");
    bad.erase("proxy");
    EXPECT_EQ(registry.create(bad).status, 400U);
    ASSERT_EQ(registry.create(api("lower", "post")).status, 201U);
    const auto routable = registry.routable();
    EXPECT_EQ(routable->back().endpoints.front().method, "POST");
}

// #76-77.
TEST_F(ApiRegistry, UpdateMergesShallowlyAndBumpsTheRefNumber) {
    auto changed = api("ignored-body-id");
    changed["name"] = "renamed";
    const auto ok = registry.update("new-service", changed);
    EXPECT_EQ(ok.status, 200U);
    EXPECT_EQ(body_of(ok).at("message"), "ok");
    const auto shown = body_of(registry.get("new-service")).as_object();
    EXPECT_EQ(shown.at("name"), "renamed");
    EXPECT_EQ(shown.at("id"), "new-service");  // the path id wins
    EXPECT_EQ(shown.at("ref_number"), 1);
    EXPECT_EQ(registry.update("fake-service", api("fake-service")).status, 404U);
    EXPECT_EQ(registry.update("another-service", api("another-service")).status, 404U);
    const auto invalid = registry.update("invalid-config", json::object{});
    EXPECT_EQ(invalid.status, 400U);
    EXPECT_EQ(invalid.body,
              R"({"api":[{"name":"must be string"},{"name":"must have a length of at least 1"},)"
              R"({"proxy":"must be present"},{"version_data":"must be present"}]})");
}

// #80.
TEST_F(ApiRegistry, DeleteDeactivates) {
    const auto gone = registry.remove("new-service");
    EXPECT_EQ(gone.status, 204U);
    EXPECT_TRUE(gone.body.empty());
    EXPECT_EQ(registry.get("new-service").status, 404U);
    EXPECT_EQ(registry.remove("new-service").status, 404U);
    EXPECT_EQ(registry.remove("fake-service").status, 404U);
    EXPECT_TRUE(registry.routable()->empty());
}

TEST_F(ApiRegistry, EveryChangePublishesANewSnapshot) {
    const auto before = registry.routable();
    const int seen = changes;
    ASSERT_EQ(registry.create(api("third")).status, 201U);
    EXPECT_EQ(changes, seen + 1);
    const auto after = registry.routable();
    EXPECT_NE(before.get(), after.get());
    EXPECT_EQ(before->size(), 1U);  // a router holding the old snapshot keeps it whole
    EXPECT_EQ(after->size(), 2U);
    EXPECT_EQ(registry.create(api("third")).status, 409U);
    EXPECT_EQ(changes, seen + 1);  // refusals change nothing
}

TEST(ApiRegistryLoad, VersionedApisAreNotRouted) {
    api_registry registry("n");
    auto versioned = api("v");
    versioned["versioned"] = true;
    ASSERT_EQ(registry.create(versioned).status, 201U);
    ASSERT_EQ(registry.create(api("plain")).status, 201U);
    ASSERT_EQ(registry.routable()->size(), 1U);
    EXPECT_EQ(registry.routable()->front().id, "plain");
    EXPECT_EQ(json::parse(registry.list().body).as_array().size(), 2U);
}

}  // namespace
