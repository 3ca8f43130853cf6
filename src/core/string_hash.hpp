#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace rig::core {

// Hashes std::string keys and lets unordered containers find them by std::string_view (with
// std::equal_to<>), so that a lookup allocates nothing.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

}  // namespace rig::core
