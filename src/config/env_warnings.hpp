#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node_options.hpp"

namespace rig::config {

// One environment variable as the process has it.
using env_var = std::pair<std::string, std::string>;

// The lines rig warns with at start (and in `rig --check-config`) about variables it sees but
// will not act on, one line per variable, never an error:
// - a RIG variable rig does not implement (yet), when it is set to a non-empty value:
//   `JAEGER_HOST is set, but rig does not implement it yet (...); it has no effect`;
// - a `RIG_*` variable, or one with a prefix of rig's settings (KAFKA_, NATS_, PROXY_, ...),
//   that names no setting: `RIG_SHRADS is not a rig setting (did you mean RIG_SHARDS?); it is
//   ignored`, the suggestion when a known name is at most a small edit distance away.
// `extra_known` are further names rig reads (the variables PROXY_CONFIG_FILE's `use_env`
// targets name). Pure: the caller logs the lines. Called once at start-up, on the main thread.
std::vector<std::string> environment_warnings(std::span<const env_var> vars,
                                              std::span<const std::string> extra_known = {});

// The process environment (environ), for environment_warnings.
std::vector<env_var> process_environment();

// The names of the variables `options` reads beyond the settings table: proxy targets'
// `use_env` variables.
std::vector<std::string> referenced_variables(const node_options& options);

// Edit (Levenshtein) distance between two names; exposed for the tests.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace rig::config
