#include "core/json_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rig::core::find_pointer;
using rig::core::last_member;
using rig::core::scan_json;
using rig::core::scan_json_without;

std::string nested_arrays(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']');
}

std::string_view string_at(std::string_view text, std::string_view pointer) {
    const auto root = scan_json(text);
    EXPECT_TRUE(root.has_value()) << text;
    const auto v = root ? find_pointer(*root, pointer) : std::nullopt;
    std::string_view s;
    return v && v->get(s) == simdjson::SUCCESS ? s : std::string_view("<none>");
}

TEST(JsonScan, RefusesWhatBoostJsonRefusesAndSomeOfWhatItAccepts) {
    EXPECT_TRUE(scan_json(R"({"a":[1,2.5,"x",true,null]})"));
    EXPECT_FALSE(scan_json(R"({"a":1,})"));
    EXPECT_FALSE(scan_json(R"({"a":1} x)"));
    EXPECT_FALSE(scan_json("{\"a\":\"\x01\"}"));
    // Accepted by Boost.JSON, refused here: the caller falls back to it.
    EXPECT_FALSE(scan_json(R"({"a":1e400})"));
    EXPECT_FALSE(scan_json(R"({"a":123456789012345678901234567890})"));
    // Exponents beyond INT_MAX Boost.JSON refuses; simdjson would read these as 0.
    EXPECT_FALSE(scan_json(R"({"a":0.1e-8888888888})"));
    EXPECT_FALSE(scan_json(R"({"a":[1,{"b":0e99999999999}]})"));
    EXPECT_FALSE(scan_json(R"({"a":-0.0})"));  // any float zero goes to Boost.JSON
    EXPECT_TRUE(scan_json(R"({"a":0,"b":-1,"c":18446744073709551615,"d":0.5,"e":"0.0"})"));
}

TEST(JsonScan, TextsOver64KiBAreLeftToBoostJson) {
    const auto padded = [](std::size_t n) {
        return R"({"pad":")" + std::string(n - 10, 'x') + R"("})";
    };
    EXPECT_TRUE(scan_json(padded(64 * 1024)));
    EXPECT_FALSE(scan_json(padded(64 * 1024 + 1)));
}

TEST(JsonScan, DepthLimitIsBoostJsonsAlsoAfterTheParserGrew) {
    EXPECT_TRUE(scan_json(nested_arrays(32)));
    EXPECT_FALSE(scan_json(nested_arrays(33)));
    const std::string large = R"({"pad":")" + std::string(60000, 'x') + R"("})";
    EXPECT_TRUE(scan_json(large));  // more capacity than the parser started with
    EXPECT_TRUE(scan_json(nested_arrays(32)));
    EXPECT_FALSE(scan_json(nested_arrays(33)));
}

TEST(JsonScan, ScanningTheLastTextAgainAnswersItsDocument) {
    EXPECT_EQ(string_at(R"({"a":"1"})", "/a"), "1");
    EXPECT_EQ(string_at(R"({"a":"1"})", "/a"), "1");  // from the document kept
    EXPECT_EQ(string_at(R"({"a":"2"})", "/a"), "2");  // same length, other bytes
    EXPECT_FALSE(scan_json(R"({"a":1e400})"));
    EXPECT_FALSE(scan_json(R"({"a":1e400})"));  // a refusal is kept as well
    EXPECT_EQ(string_at(R"({"a":"1"})", "/a"), "1");
}

TEST(JsonScan, ATextWithoutAStampIsReadAsTheTextBeforeIt) {
    const std::string before = R"({"a":"1"})";
    const std::string stamped = R"({"time":"t",)" + before.substr(1);
    const std::size_t stamp = stamped.size() - before.size();
    EXPECT_EQ(string_at(before, "/a"), "1");
    // From the document kept (the stamped member is not in it), and after another text.
    for (int i = 0; i < 2; ++i) {
        const auto root = scan_json_without(stamped, 1, stamp);
        ASSERT_TRUE(root.has_value());
        EXPECT_FALSE(find_pointer(*root, "/time").has_value());
        std::string_view a;
        EXPECT_EQ(find_pointer(*root, "/a")->get(a), simdjson::SUCCESS);
        EXPECT_EQ(a, "1");
        EXPECT_EQ(string_at(R"({"b":"2"})", "/b"), "2");
    }
    EXPECT_FALSE(scan_json_without(stamped, 1, stamped.size()));  // beyond the text
    EXPECT_FALSE(scan_json_without(stamped, stamped.size() + 1, 0));
    EXPECT_TRUE(scan_json_without(stamped, 0, 0));  // nothing left out
    // last_scan_without answers from the memo only.
    EXPECT_EQ(string_at(before, "/a"), "1");
    EXPECT_TRUE(rig::core::last_scan_without(stamped, 1, stamp));
    EXPECT_FALSE(rig::core::last_scan_without(stamped, 0, 0));     // the stamped text: not scanned
    EXPECT_TRUE(rig::core::last_scan_without(stamped, 1, stamp));  // and still not parsed
}

TEST(JsonScan, LastMemberOfDuplicateKeysWinsAsInBoostJson) {
    const auto root = scan_json(R"({"k":"first","other":1,"k":"last"})");
    ASSERT_TRUE(root);
    simdjson::dom::object object;
    ASSERT_EQ(root->get(object), simdjson::SUCCESS);
    std::string_view s;
    ASSERT_EQ(last_member(object, "k")->get(s), simdjson::SUCCESS);
    EXPECT_EQ(s, "last");
    EXPECT_FALSE(last_member(object, "missing"));
    EXPECT_EQ(string_at(R"({"a":{"b":"1"},"a":{"b":"2"}})", "/a/b"), "2");
}

TEST(JsonScan, PointersFollowBoostJsonsFindPointer) {
    const std::string doc =
        R"({"foo":["bar","baz"],"":"empty","a/b":"slash","m~n":"tilde","caf\u00e9":"escaped key",)"
        R"("arr":["0","1","2","3","4","5","6","7","8","9","10"]})";
    EXPECT_EQ(string_at(doc, "/foo/0"), "bar");
    EXPECT_EQ(string_at(doc, "/foo/1"), "baz");
    EXPECT_EQ(string_at(doc, "/"), "empty");
    EXPECT_EQ(string_at(doc, "/a~1b"), "slash");
    EXPECT_EQ(string_at(doc, "/m~0n"), "tilde");
    EXPECT_EQ(string_at(doc, "/caf\xc3\xa9"), "escaped key");
    EXPECT_EQ(string_at(doc, "/arr/10"), "10");
    // Boost.JSON 1.81 reads an empty index that does not end the pointer as 0.
    EXPECT_EQ(string_at(R"({"a":[{"b":"first"},{"b":"second"}]})", "/a//b"), "first");
    EXPECT_EQ(string_at(R"({"a":["x"]})", "/a/"), "<none>");
    for (const char* none : {"/foo/2", "/foo/-", "/foo/01", "/foo/", "/foo/x", "/foo/0/x", "/m~2n",
                             "/a~", "foo", "/missing"}) {
        EXPECT_EQ(string_at(doc, none), "<none>") << none;
    }
    const auto root = scan_json(doc);
    ASSERT_TRUE(root);
    EXPECT_TRUE(find_pointer(*root, "")->is_object());
}

}  // namespace
