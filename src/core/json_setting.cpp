#include "core/json_setting.hpp"

#include <fstream>
#include <sstream>

namespace rig::core {

std::optional<std::string> json_setting_text(std::string_view value) {
    const auto start = value.find_first_not_of(" \t\r\n");
    if (start != std::string_view::npos && (value[start] == '{' || value[start] == '[')) {
        return std::string(value);
    }
    std::ifstream f{std::string(value)};
    if (!f) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << f.rdbuf();
    return text.str();
}

}  // namespace rig::core
