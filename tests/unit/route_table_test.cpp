#include "proxy/route_table.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "proxy/path_rewrite.hpp"

namespace {

namespace json = boost::json;
using rig::proxy::api_definition;
using rig::proxy::make_api;
using rig::proxy::path_rewrite;
using rig::proxy::route_table;
using rig::proxy::validate_api;

// An API whose endpoints are given as JSON objects.
api_definition api(const std::string& id, const std::string& endpoints) {
    auto o =
        json::parse(
            R"({"id":")" + id + R"(","name":")" + id +
            R"(","proxy":{"target_url":"h","port":1},"version_data":{"default":{"endpoints":[)" +
            endpoints + "]}}}")
            .as_object();
    EXPECT_TRUE(validate_api(o).empty()) << validate_api(o).to_json();
    return make_api(o);
}

route_table table(std::vector<api_definition> apis) {
    return route_table(std::make_shared<const std::vector<api_definition>>(std::move(apis)));
}

TEST(RouteTable, AnchoredCaseInsensitiveFirstMatchWins) {
    const auto routes =
        table({api("a", R"({"id":"one","method":"GET","path_regex":"/users/[^/]+"},)"
                        R"({"id":"two","method":"GET","path_regex":"/users/.*"})"),
               api("b", R"({"id":"three","method":"POST","path_regex":"/users/x"})")});
    auto m = routes.find("GET", "/USERS/x");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->ep->id, "one");
    EXPECT_TRUE(m->ambiguous);
    EXPECT_EQ(m->forwarded_path, "/USERS/x");
    EXPECT_EQ(routes.find("GET", "/users/x/y")->ep->id, "two");
    EXPECT_FALSE(routes.find("GET", "/users/x/y")->ambiguous);
    EXPECT_FALSE(routes.find("GET", "/prefix/users/x").has_value());  // anchored at the start
    EXPECT_EQ(routes.find("POST", "/users/x")->api->id, "b");
    EXPECT_FALSE(routes.find("POST", "/users/xy").has_value());  // ... and at the end
    EXPECT_FALSE(routes.find("PUT", "/users/x").has_value());
    EXPECT_FALSE(routes.find("get", "/users/x").has_value());  // methods compare exactly
}

TEST(RouteTable, HeadIsMatchedAsGet) {
    const auto routes = table({api("a", R"({"id":"g","method":"GET","path_regex":"/x"})")});
    EXPECT_EQ(routes.find("HEAD", "/x")->ep->id, "g");
}

TEST(RouteTable, AlternationIsAnchoredAsAWhole) {
    const auto routes = table({api("a", R"({"id":"e","method":"GET","path_regex":"/a|/b"})")});
    EXPECT_TRUE(routes.find("GET", "/a").has_value());
    EXPECT_TRUE(routes.find("GET", "/b").has_value());
    EXPECT_FALSE(routes.find("GET", "/a/x").has_value());
}

// Spec §8.2's example.
TEST(RouteTable, PathReplacementWithCaptureGroups) {
    const auto routes = table({api(
        "a",
        R"j({"id":"e","method":"GET","path_regex":"/foo/([^/]+)/bar/([^/]+)","path_replacement":"/bar/\\1/foo/\\2"})j")});
    EXPECT_EQ(routes.find("GET", "/foo/1/bar/2")->forwarded_path, "/bar/1/foo/2");
}

TEST(RouteTable, TwoXPathForm) {
    const auto routes =
        table({api("a", R"({"id":"e","method":"GET","path":"/api/{version}/items/{id}"})")});
    EXPECT_TRUE(routes.find("GET", "/api/v1/items/7").has_value());
    EXPECT_FALSE(routes.find("GET", "/api/v1/x/items/7").has_value());
}

TEST(RouteTable, NoPatternBacktracks) {
    const auto routes = table({api("a", R"({"id":"e","method":"GET","path_regex":"/(a+)+$"})")});
    const std::string path = "/" + std::string(30000, 'a') + "b";
    EXPECT_FALSE(routes.find("GET", path).has_value());  // linear time: returns at once
}

TEST(RouteValidation, PatternsRe2RefusesAreValidationErrors) {
    auto o =
        json::parse(
            R"({"id":"a","name":"a","proxy":{"target_url":"h","port":1},"version_data":{"default":{"endpoints":[)"
            R"({"id":"e","method":"GET","path_regex":"/(?!admin).*"}]}}})")
            .as_object();
    const auto errors = validate_api(o).to_json();
    EXPECT_NE(errors.find(R"("a/e":[{"path_regex":"must be a valid regular expression)"),
              std::string::npos)
        << errors;
}

TEST(PathRewrite, ElixirRules) {
    const std::string_view whole = "/x/y";
    const std::string_view g1 = "x";
    const std::string_view groups[] = {whole, g1, std::string_view()};
    EXPECT_EQ(path_rewrite(R"(/a/\1)").expand(groups, 3), "/a/x");
    EXPECT_EQ(path_rewrite(R"(/a/\g{1}/b)").expand(groups, 3), "/a/x/b");
    EXPECT_EQ(path_rewrite(R"(\0!)").expand(groups, 3), "/x/y!");
    EXPECT_EQ(path_rewrite(R"(\\1)").expand(groups, 3), R"(\1)");
    EXPECT_EQ(path_rewrite(R"(/$1/&/\q)").expand(groups, 3), R"(/$1/&/\q)");
    EXPECT_EQ(path_rewrite(R"(/\2/\9/\10)").expand(groups, 3), "///");  // unset, missing
    EXPECT_EQ(path_rewrite(R"(\10)").max_group(), 10);
}

}  // namespace
