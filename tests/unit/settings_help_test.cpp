#include "config/settings_help.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

using rig::config::settings;

// Every upper-case string literal of node_options.cpp is a variable name it reads (env(),
// read_uint(env, ...), value(...), tables of names), except these.
const std::set<std::string> not_settings = {
    "RS256",  // JWT_ALG's default with RIG_JWKS_URL
    "HOME",   // only to find $HOME/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE's default)
};

std::set<std::string> names_read_by_node_options() {
    // node_options.cpp and the per-module parsers it calls.
    std::string source;
    for (const char* file :
         {RIG_NODE_OPTIONS_SOURCE, RIG_TRACING_OPTIONS_SOURCE, RIG_METRICS_OPTIONS_SOURCE}) {
        std::ifstream f(file);
        EXPECT_TRUE(f.good()) << "cannot read " << file;
        std::stringstream text;
        text << f.rdbuf();
        source += text.str();
    }
    std::set<std::string> names;
    const std::regex literal("\"([A-Z][A-Z0-9_]{2,})\"");
    for (std::sregex_iterator it(source.begin(), source.end(), literal), end; it != end; ++it) {
        if (!not_settings.contains((*it)[1].str())) {
            names.insert((*it)[1].str());
        }
    }
    return names;
}

TEST(SettingsHelp, ListsEveryVariableNodeOptionsReads) {
    std::set<std::string> listed;
    for (const auto& s : settings()) {
        listed.insert(std::string(s.name));
    }
    const auto read = names_read_by_node_options();
    EXPECT_GT(read.size(), 50u) << "the scan of node_options.cpp found too few names";
    for (const auto& name : read) {
        EXPECT_TRUE(listed.contains(name)) << name << " is read but missing from settings_help";
    }
    for (const auto& name : listed) {
        EXPECT_TRUE(read.contains(name))
            << name << " is listed but node_options.cpp never reads it";
    }
}

TEST(SettingsHelp, NamesAreUniqueAndEachHasAMeaning) {
    std::set<std::string_view> seen;
    for (const auto& s : settings()) {
        EXPECT_TRUE(seen.insert(s.name).second) << s.name << " listed twice";
        EXPECT_FALSE(s.meaning.empty()) << s.name;
        EXPECT_EQ(s.meaning.find('\n'), std::string_view::npos) << s.name;
    }
}

TEST(SettingsHelp, HelpShowsEachVariableWithItsDefault) {
    const std::string help = rig::config::help_text();
    EXPECT_NE(help.find("  INBOUND_PORT [4000]\n"), std::string::npos);
    EXPECT_NE(help.find("  RIG_HISTORY_SIZE [10000]\n"), std::string::npos);
    EXPECT_NE(help.find("  RIG_SHARDS [unset]\n"), std::string::npos);
    EXPECT_NE(help.find("--check-config"), std::string::npos);
}

TEST(SettingsHelp, EnvFileCommentsOutEveryDefault) {
    const std::string file = rig::config::env_file_text();
    for (const auto& s : settings()) {
        const std::string line =
            "\n#" + std::string(s.name) + "=" + std::string(s.default_value) + "\n";
        EXPECT_NE(file.find(line), std::string::npos) << s.name;
    }
    // Nothing is set: every line is a comment or blank.
    std::istringstream lines(file);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(line.empty() || line.front() == '#') << line;
    }
}

}  // namespace
