#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace rig::core {

// Where settings come from: the process environment in rig, a map in tests.
using env_lookup = std::function<std::optional<std::string>(const char* name)>;

// Typed reads of settings, shared by every module's options parser (sources/kafka_options.cpp,
// http/server_options.cpp, ...). Each read error names the variable and what it expected, in
// one line, e.g. `INBOUND_PORT: expected a port number (0-65535), got "x"`. A variable that is
// unset or blank leaves the default in place. Used once at start-up, on the main thread; holds
// only the lookup.
class env {
public:
    explicit env(env_lookup lookup) : lookup_(std::move(lookup)) {}

    // The value as set (spaces kept: passphrases may contain them); nullopt when unset.
    std::optional<std::string> raw(const char* name) const { return lookup_(name); }
    // The same, so that an env is also an env_lookup (for parsers that take the lookup).
    std::optional<std::string> operator()(const char* name) const { return lookup_(name); }
    // The value without surrounding spaces; nullopt when unset or blank.
    std::optional<std::string> get(const char* name) const;
    // get(name), or `fallback` when unset or blank.
    std::string value(const char* name, std::string_view fallback) const;

    // Reads an unsigned integer in [min, max] into `out`.
    template <class T>
    std::optional<error> read_uint(const char* name, T& out, uint64_t min, uint64_t max,
                                   const char* what) const {
        uint64_t n = 0;
        if (auto e = read_u64(name, n, min, max, what)) {
            return e;
        }
        if (get(name)) {
            out = static_cast<T>(n);
        }
        return std::nullopt;
    }
    // Reads a duration in milliseconds, at least `min_ms`.
    std::optional<error> read_ms(const char* name, std::chrono::milliseconds& out,
                                 uint64_t min_ms) const;
    // Reads a boolean (true/false, 1/0, yes/no, on/off).
    std::optional<error> read_bool(const char* name, bool& out) const;

private:
    std::optional<error> read_u64(const char* name, uint64_t& out, uint64_t min, uint64_t max,
                                  const char* what) const;

    env_lookup lookup_;
};

// `NAME: what, got "value"` as a bad_request.
error bad_setting(std::string_view name, std::string_view what, std::string_view value);

// A comma-separated list, items trimmed, empty items dropped.
std::vector<std::string> split_list(std::string_view s);

// true/1/yes/on, false/0/no/off/empty (case-insensitive); nullopt for anything else.
std::optional<bool> parse_bool(std::string_view raw);

}  // namespace rig::core
