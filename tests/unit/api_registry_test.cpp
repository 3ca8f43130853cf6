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

// Cluster replication: what one registry writes, applied to another (and back to itself).
class ReplicatedRegistry : public ::testing::Test {
protected:
    api_registry a{"a"}, b{"b"};
    std::vector<std::pair<std::string, std::string>> from_a, from_b;  // in write order
    void SetUp() override {
        a.on_write([this](const std::string& id, std::string d) { from_a.emplace_back(id, d); });
        b.on_write([this](const std::string& id, std::string d) { from_b.emplace_back(id, d); });
    }
    // Applies `writes` to `to` in order, as the bucket's watch does.
    static void apply(api_registry& to, const std::vector<std::pair<std::string, std::string>>& w) {
        for (const auto& [id, definition] : w) {
            to.apply_replicated(id, definition);
        }
    }
    static json::object shown(const api_registry& r, const std::string& id) {
        const auto o = r.get(id);
        EXPECT_EQ(o.status, 200U) << o.body;
        return o.status == 200U ? json::parse(o.body).as_object() : json::object{};
    }
};

TEST_F(ReplicatedRegistry, EveryChangeMadeHereIsWrittenAsStored) {
    ASSERT_EQ(a.create(api("s")).status, 201U);
    auto renamed = api("s");
    renamed["name"] = "renamed";
    ASSERT_EQ(a.update("s", renamed).status, 200U);
    ASSERT_EQ(a.remove("s").status, 204U);
    EXPECT_EQ(a.create(api("s")).status, 201U);
    EXPECT_EQ(a.create(api("s")).status, 409U);  // refused: nothing written
    EXPECT_EQ(a.update("none", api("none")).status, 404U);
    ASSERT_EQ(from_a.size(), 4U);
    std::vector<std::pair<bool, int64_t>> states;
    for (const auto& [id, definition] : from_a) {
        EXPECT_EQ(id, "s");
        const auto d = json::parse(definition).as_object();
        EXPECT_EQ(d.at("id"), "s");
        EXPECT_TRUE(d.at("timestamp").is_string());
        states.emplace_back(d.at("active").as_bool(), d.at("ref_number").as_int64());
    }
    EXPECT_EQ(states,
              (std::vector<std::pair<bool, int64_t>>{{true, 0}, {true, 1}, {false, 2}, {true, 3}}));
    EXPECT_EQ(json::parse(from_a[1].second).at("name"), "renamed");
}

TEST_F(ReplicatedRegistry, AnotherNodeShowsAndRoutesTheSameDefinitions) {
    ASSERT_EQ(a.create(api("s", "post")).status, 201U);
    ASSERT_EQ(a.create(api("gone")).status, 201U);
    ASSERT_EQ(a.remove("gone").status, 204U);
    int changes = 0;
    b.on_change([&] { ++changes; });
    apply(b, from_a);
    EXPECT_EQ(changes, 3);
    EXPECT_TRUE(from_b.empty());  // applying is not writing: no echo
    auto on_a = shown(a, "s"), on_b = shown(b, "s");
    on_a.erase("node_name");
    on_b.erase("node_name");
    EXPECT_EQ(on_a, on_b);
    EXPECT_EQ(b.get("gone").status, 404U);
    ASSERT_EQ(b.routable()->size(), 1U);
    EXPECT_EQ(b.routable()->front().endpoints.front().method, "POST");
    // b goes on from the same ref_numbers: a re-creation is numbered as it would be on a.
    ASSERT_EQ(b.create(api("gone")).status, 201U);
    EXPECT_EQ(shown(b, "gone").at("ref_number"), 2);
}

TEST_F(ReplicatedRegistry, AnOlderWriteDoesNotUndoANewerOne) {
    ASSERT_EQ(a.create(api("s")).status, 201U);
    auto renamed = api("s");
    renamed["name"] = "second";
    ASSERT_EQ(a.update("s", renamed).status, 200U);
    // a's own writes come back from the bucket after both were made.
    EXPECT_FALSE(a.apply_replicated("s", from_a[0].second));
    EXPECT_EQ(shown(a, "s").at("name"), "second");
    EXPECT_TRUE(a.apply_replicated("s", from_a[1].second));
    EXPECT_EQ(shown(a, "s").at("ref_number"), 1);
}

TEST_F(ReplicatedRegistry, ConcurrentWritesConvergeOnTheLastOfTheHighestRefNumber) {
    ASSERT_EQ(a.create(api("s")).status, 201U);
    apply(b, from_a);
    auto on_a = api("s"), on_b = api("s");
    on_a["name"] = "from-a";
    on_b["name"] = "from-b";
    ASSERT_EQ(a.update("s", on_a).status, 200U);  // both ref_number 1, made at once
    ASSERT_EQ(b.update("s", on_b).status, 200U);
    // The bucket orders them: a's, then b's. Both nodes apply that order.
    const std::vector<std::pair<std::string, std::string>> bucket{from_a.back(), from_b.back()};
    apply(a, bucket);
    apply(b, bucket);
    EXPECT_EQ(shown(a, "s").at("name"), "from-b");
    EXPECT_EQ(shown(b, "s").at("name"), "from-b");
}

TEST_F(ReplicatedRegistry, ASharedDefinitionReplacesTheConfigurationFilesOne) {
    ASSERT_EQ(a.create(api("s")).status, 201U);  // ref_number 0
    auto file_api = api("s");
    file_api["name"] = "from-file";
    file_api["ref_number"] = 7;
    b.load({rig::proxy::make_api(file_api)});
    EXPECT_EQ(shown(b, "s").at("name"), "from-file");
    EXPECT_TRUE(b.apply_replicated("s", from_a[0].second));
    EXPECT_EQ(shown(b, "s").at("name"), "s");
    EXPECT_EQ(shown(b, "s").at("ref_number"), 0);
}

TEST_F(ReplicatedRegistry, BadOrRemovedEntriesAreHandled) {
    ASSERT_EQ(a.create(api("s")).status, 201U);
    apply(b, from_a);
    for (const char* bad : {"", "not json", "[1]", R"({"id":"s"})"}) {
        EXPECT_FALSE(b.apply_replicated("s", std::string_view(bad))) << bad;
    }
    EXPECT_EQ(shown(b, "s").at("ref_number"), 0);
    // A delete marker (an operator removed the key) deactivates, like a delete.
    EXPECT_TRUE(b.apply_replicated("s", std::nullopt));
    EXPECT_EQ(b.get("s").status, 404U);
    EXPECT_FALSE(b.apply_replicated("s", std::nullopt));
    EXPECT_FALSE(b.apply_replicated("unknown", std::nullopt));
    EXPECT_TRUE(from_b.empty());
}

}  // namespace
