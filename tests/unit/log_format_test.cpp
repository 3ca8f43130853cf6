#include "core/log_format.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace {

using namespace std::string_literals;
using rig::log::field;
using rig::log::format;
using rig::log::structured_line;

// A fixed instant: 2026-12-03T23:05:59.123Z.
spdlog::details::log_msg message_at(spdlog::level::level_enum lvl, std::string_view text) {
    spdlog::details::log_msg msg("rig", lvl, text);
    msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1'796'339'159'123LL));
    return msg;
}

boost::json::object parse_object(const std::string& line) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << line;
    EXPECT_TRUE(v.is_object()) << line;
    return v.is_object() ? v.as_object() : boost::json::object{};
}

std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string("<missing>");
}

TEST(LogFormat, JsonLineHasTimeLevelMessageAndLogger) {
    const std::string line =
        structured_line(format::json, message_at(spdlog::level::info, "listening"), {});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const auto o = parse_object(line);
    EXPECT_EQ(str(o, "time"), "2026-12-03T23:05:59.123Z");
    EXPECT_EQ(str(o, "level"), "info");
    EXPECT_EQ(str(o, "message"), "listening");
    EXPECT_EQ(str(o, "logger"), "rig");
    EXPECT_FALSE(o.contains("severity"));
}

TEST(LogFormat, GclLineHasSeverity) {
    const auto o =
        parse_object(structured_line(format::gcl, message_at(spdlog::level::warn, "careful"), {}));
    EXPECT_EQ(str(o, "severity"), "WARNING");
    EXPECT_EQ(str(o, "message"), "careful");
    EXPECT_EQ(str(o, "time"), "2026-12-03T23:05:59.123Z");
    EXPECT_FALSE(o.contains("level"));
}

TEST(LogFormat, LevelsMapToNamesAndSeverities) {
    const struct {
        spdlog::level::level_enum lvl;
        const char* level;
        const char* severity;
    } cases[] = {{spdlog::level::debug, "debug", "DEBUG"},
                 {spdlog::level::info, "info", "INFO"},
                 {spdlog::level::warn, "warning", "WARNING"},
                 {spdlog::level::err, "error", "ERROR"},
                 {spdlog::level::critical, "critical", "CRITICAL"}};
    for (const auto& c : cases) {
        EXPECT_EQ(
            str(parse_object(structured_line(format::json, message_at(c.lvl, "x"), {})), "level"),
            c.level);
        EXPECT_EQ(
            str(parse_object(structured_line(format::gcl, message_at(c.lvl, "x"), {})), "severity"),
            c.severity);
    }
}

TEST(LogFormat, EscapesQuotesBackslashesAndControlCharacters) {
    const std::string text = "say \"hi\"\\ \n\r\t\x01\x1f end\0!"s;
    for (format f : {format::json, format::gcl}) {
        const std::string line = structured_line(f, message_at(spdlog::level::info, text), {});
        for (char c : line) {
            EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;  // one physical line
        }
        EXPECT_EQ(str(parse_object(line), "message"), text);
    }
}

TEST(LogFormat, ReplacesInvalidUtf8) {
    const std::string text = "bad \xff\xfe bytes \xc3\xa9 \xe2\x82";  // é stays
    const auto o =
        parse_object(structured_line(format::json, message_at(spdlog::level::info, text), {}));
    EXPECT_EQ(str(o, "message"),
              "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(LogFormat, FieldsOfEveryType) {
    const std::string type = "com.example.\"quoted\"\xff";
    const std::vector<field> fields = {
        field("event_type", type), field("transport", std::string_view("sse")),
        field("offset", std::int64_t{-5}), field("bytes_unsent", std::size_t{1} << 40),
        field("retry", true)};
    const auto o =
        parse_object(structured_line(format::json, message_at(spdlog::level::info, "m"), fields));
    EXPECT_EQ(str(o, "event_type"), "com.example.\"quoted\"\xef\xbf\xbd");
    EXPECT_EQ(str(o, "transport"), "sse");
    EXPECT_EQ(o.at("offset").as_int64(), -5);
    EXPECT_EQ(o.at("bytes_unsent").to_number<std::uint64_t>(), std::uint64_t{1} << 40);
    EXPECT_EQ(o.at("retry").as_bool(), true);
}

TEST(LogFormat, FieldNamedLikeAFixedKeyDoesNotReplaceIt) {
    const std::vector<field> fields = {field("message", "from the field"), field("time", 1)};
    const auto o = parse_object(
        structured_line(format::json, message_at(spdlog::level::info, "real"), fields));
    EXPECT_EQ(str(o, "message"), "real");
    EXPECT_EQ(str(o, "_message"), "from the field");
    EXPECT_EQ(str(o, "time"), "2026-12-03T23:05:59.123Z");
    EXPECT_EQ(o.at("_time").as_int64(), 1);
}

// Installs a logger that writes to a string for one test; puts the default one back after.
class LogFacade : public ::testing::Test {
protected:
    void use(format f) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        rig::log::install(std::make_shared<spdlog::logger>("rig", sink), rig::log::level::info, f);
    }
    void TearDown() override {
        rig::log::install(previous_, rig::log::level::info, format::erlang);
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) {
            result.push_back(line);
        }
        return result;
    }

    std::shared_ptr<spdlog::logger> previous_ = spdlog::default_logger();
    std::ostringstream out_;
};

TEST_F(LogFacade, ErlangLinesAreUnchanged) {
    use(format::erlang);
    rig::log::info("hello {}", 42);
    rig::log::warn_with({{"event_type", "t"}}, "careful");
    const auto l = lines();
    ASSERT_EQ(l.size(), 2u);
    const std::regex time(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d )");
    EXPECT_TRUE(std::regex_search(l[0], time)) << l[0];
    EXPECT_TRUE(l[0].ends_with(" [info] hello 42")) << l[0];
    EXPECT_TRUE(l[1].ends_with(" [warning] careful")) << l[1];  // fields are json/gcl only
}

TEST_F(LogFacade, JsonLinesCarryTheFieldsOfTheirCallOnly) {
    use(format::json);
    rig::log::info_with({{"event_type", "com.example"}, {"shard", 3}}, "published {}", "x");
    rig::log::error("plain");
    rig::log::debug_with({{"dropped", 1}}, "below the level");
    const auto l = lines();
    ASSERT_EQ(l.size(), 2u);
    const auto first = parse_object(l[0]);
    EXPECT_EQ(str(first, "message"), "published x");
    EXPECT_EQ(str(first, "level"), "info");
    EXPECT_EQ(str(first, "event_type"), "com.example");
    EXPECT_EQ(first.at("shard").as_int64(), 3);
    const auto second = parse_object(l[1]);
    EXPECT_EQ(str(second, "level"), "error");
    EXPECT_FALSE(second.contains("event_type"));
    EXPECT_FALSE(second.contains("shard"));
}

TEST_F(LogFacade, GclLinesThroughTheLogger) {
    use(format::gcl);
    rig::log::warn_with({{"source", "kafka"}}, "broker down");
    const auto l = lines();
    ASSERT_EQ(l.size(), 1u);
    const auto o = parse_object(l[0]);
    EXPECT_EQ(str(o, "severity"), "WARNING");
    EXPECT_EQ(str(o, "message"), "broker down");
    EXPECT_EQ(str(o, "source"), "kafka");
    EXPECT_TRUE(
        std::regex_match(str(o, "time"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

// The count of suppressed lines is a field of the next line that gets through. A budget of one
// line a second: calls in a tight loop are dropped until the next second's first call, which
// carries the count (a loop, bounded, not a sleep: the clock has to move on by itself).
TEST_F(LogFacade, RateLimitedCountIsAFieldInJson) {
    use(format::json);
    rig::log::rate_limited limited{1};
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (out_.str().find("suppressed") == std::string::npos &&
           std::chrono::steady_clock::now() < give_up) {
        limited.info_with({{"transport", "sse"}}, "refused");
    }
    const auto l = lines();
    ASSERT_GE(l.size(), 2u);
    for (const auto& line : l) {
        const auto o = parse_object(line);
        EXPECT_EQ(str(o, "message"), "refused");  // no separate "suppressed" line
        EXPECT_EQ(str(o, "transport"), "sse");
    }
    const auto last = parse_object(l.back());
    ASSERT_TRUE(last.contains("suppressed")) << l.back();
    EXPECT_GE(last.at("suppressed").as_int64(), 1);
}

TEST_F(LogFacade, RateLimitedCountIsALineOfItsOwnInErlang) {
    use(format::erlang);
    rig::log::rate_limited limited{1};
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (out_.str().find("suppressed") == std::string::npos &&
           std::chrono::steady_clock::now() < give_up) {
        limited.info("refused");
    }
    const auto l = lines();
    ASSERT_GE(l.size(), 3u);
    EXPECT_NE(l[l.size() - 2].find("similar lines suppressed)"), std::string::npos) << l.back();
    EXPECT_TRUE(l.back().ends_with("[info] refused")) << l.back();
}

}  // namespace
