#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rig::core {

// A setting that holds JSON either inline or in a file (EXTRACTORS, PROXY_CONFIG_FILE): the
// value itself when it starts (after spaces) with '{' or '[', else the contents of the file
// it names; nothing when that file cannot be read.
std::optional<std::string> json_setting_text(std::string_view value);

}  // namespace rig::core
