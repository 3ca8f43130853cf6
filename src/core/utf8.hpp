#pragma once

#include <string>
#include <string_view>

namespace rig::core {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD, so
// that it can be put into JSON text (log lines carry client-supplied bytes).
std::string to_valid_utf8(std::string_view s);

}  // namespace rig::core
