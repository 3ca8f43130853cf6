#include "proxy/path_rewrite.hpp"

#include <algorithm>

namespace rig::proxy {
namespace {

bool digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads the digits at `at` (capped, so a long run cannot overflow); returns the group number.
int read_group(std::string_view r, std::size_t& at) {
    int g = 0;
    while (at < r.size() && digit(r[at])) {
        g = std::min(g * 10 + (r[at] - '0'), 1'000'000);
        ++at;
    }
    return g;
}

}  // namespace

path_rewrite::path_rewrite(std::string_view r) {
    std::string literal;
    const auto flush = [&] {
        if (!literal.empty()) {
            parts_.emplace_back(std::move(literal));
            literal.clear();
        }
    };
    const auto group = [&](int g) {
        flush();
        parts_.emplace_back(g);
        max_group_ = std::max(max_group_, g);
    };
    for (std::size_t i = 0; i < r.size();) {
        if (r[i] == '\\' && i + 1 < r.size()) {
            const char next = r[i + 1];
            if (next == '\\') {
                literal += '\\';
                i += 2;
                continue;
            }
            if (digit(next)) {
                std::size_t j = i + 1;
                group(read_group(r, j));
                i = j;
                continue;
            }
            if (next == 'g' && i + 2 < r.size() && r[i + 2] == '{') {
                std::size_t j = i + 3;
                const int g = read_group(r, j);
                if (j < r.size() && r[j] == '}' && j > i + 3) {
                    group(g);
                    i = j + 1;
                    continue;
                }
            }
        }
        literal += r[i++];
    }
    flush();
}

std::string path_rewrite::expand(const std::string_view* groups, int count) const {
    std::string out;
    for (const auto& part : parts_) {
        if (const auto* s = std::get_if<std::string>(&part)) {
            out += *s;
        } else if (const int k = std::get<int>(part); k < count && groups[k].data() != nullptr) {
            out += groups[k];
        }
    }
    return out;
}

}  // namespace rig::proxy
