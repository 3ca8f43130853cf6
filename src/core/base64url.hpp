#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rig::core {

// RFC 4648 §5 base64url. Encoding emits no padding; decoding accepts input with or without
// padding and rejects any character outside the alphabet.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 base64 with padding (CloudEvents data_base64).
std::string base64_encode(std::string_view bytes);

}  // namespace rig::core
