#include "core/log_format.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/utf8.hpp"

namespace rig::log {
namespace {

// RFC 3339, UTC, milliseconds: 2026-12-03T23:05:59.123Z.
std::string rfc3339(spdlog::log_clock::time_point t) {
    const auto since_epoch = t.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
    auto tt = static_cast<std::time_t>(secs.count());
    if (ms < 0) {  // before 1970: the second is the one below
        ms += 1000;
        --tt;
    }
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::array<char, 40> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf.data(), n) + fmt::format(".{:03}Z", ms);
}

std::string_view level_name(spdlog::level::level_enum l) {
    switch (l) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warning";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "info";
    }
}

// Google Cloud Logging's LogSeverity names.
std::string_view severity_name(spdlog::level::level_enum l) {
    switch (l) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return "DEBUG";
        case spdlog::level::info:
            return "INFO";
        case spdlog::level::warn:
            return "WARNING";
        case spdlog::level::err:
            return "ERROR";
        case spdlog::level::critical:
            return "CRITICAL";
        default:
            return "DEFAULT";
    }
}

boost::json::string_view text(std::string_view s) {
    return {s.data(), s.size()};
}

}  // namespace

std::string structured_line(format fmt, const spdlog::details::log_msg& msg,
                            std::span<const field> extra) {
    boost::json::object o;
    const std::string time = rfc3339(msg.time);
    const std::string message =
        core::to_valid_utf8(std::string_view(msg.payload.data(), msg.payload.size()));
    if (fmt == format::gcl) {
        o["severity"] = text(severity_name(msg.level));
        o["message"] = text(message);
        o["time"] = text(time);
    } else {
        o["time"] = text(time);
        o["level"] = text(level_name(msg.level));
        o["message"] = text(message);
    }
    if (msg.logger_name.size() > 0) {
        o["logger"] = text(core::to_valid_utf8({msg.logger_name.data(), msg.logger_name.size()}));
    }
    for (const field& f : extra) {
        std::string key = core::to_valid_utf8(f.key);
        while (o.contains(key)) {
            key.insert(key.begin(), '_');
        }
        boost::json::value& v = o[key];
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, std::string_view>) {
                    v = text(core::to_valid_utf8(x));  // copied into the value
                } else {
                    v = x;
                }
            },
            f.value);
    }
    return boost::json::serialize(o);
}

void structured_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const std::string line = structured_line(fmt_, msg, detail::current_fields);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> structured_formatter::clone() const {
    return std::make_unique<structured_formatter>(fmt_);
}

}  // namespace rig::log
