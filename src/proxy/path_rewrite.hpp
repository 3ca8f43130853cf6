#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rig::proxy {

// A `path_replacement` (spec §8.2), parsed once, expanded with Elixir's Regex.replace rules
// that RIG runs: `\N` (any number of digits) and `\g{N}` insert capture group N, `\0` the whole
// match, `\\` is one backslash, anything else is literal; a group that does not exist or did
// not take part inserts nothing (docs/adr/0012).
class path_rewrite {
public:
    explicit path_rewrite(std::string_view replacement);

    // The highest group the replacement refers to.
    int max_group() const { return max_group_; }
    // `groups[k]` is group k (empty optional-like: a null data pointer means "did not take
    // part"); groups past `count` count as missing.
    std::string expand(const std::string_view* groups, int count) const;

private:
    std::vector<std::variant<std::string, int>> parts_;
    int max_group_ = 0;
};

}  // namespace rig::proxy
