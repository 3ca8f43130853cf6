#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rig::core {

// Appends the low `bytes` bytes of `v` to `out`, most significant first (network order), as
// the fixed-size fields of tokens are laid out.
inline void put_big_endian(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        out += static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

// Reads `bytes` bytes of `in` at `at` as a big-endian unsigned number. The caller has checked
// that they are there.
inline uint64_t get_big_endian(std::string_view in, std::size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
        v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<std::size_t>(i)]);
    }
    return v;
}

}  // namespace rig::core
