#pragma once

#include <span>
#include <string>
#include <string_view>

namespace rig::config {

// One environment variable rig reads, as `rig --help` and the package's /etc/default/rig
// show it. The table (settings()) is static, read-only data; any thread may read it. A unit
// test checks that every variable named in node_options.cpp is in it.
struct setting_help {
    std::string_view name;
    // The value in effect when the variable is unset, as it would be written in the
    // environment; empty when unset means "off" or "none" (then `meaning` says so).
    std::string_view default_value;
    std::string_view meaning;  // one line
};

// Every setting, grouped as in docs/operators.md.
std::span<const setting_help> settings();

// The text of `rig --help`: usage, options and every setting with its default.
std::string help_text();

// The package's /etc/default/rig: every setting as a commented-out assignment of its default.
std::string env_file_text();

}  // namespace rig::config
