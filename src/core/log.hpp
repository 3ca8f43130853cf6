#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rig::log {

// The logging facade: modules log through these so that the sink and format are chosen once,
// in app. spdlog is thread-safe; formatting happens only when the level is enabled.
enum class level { debug, info, warn, error };

// LOG_FMT: `erlang` is the readable `time [level] message` line; `json` one JSON object per
// line (time, level, message, fields); `gcl` the same as a Google Cloud Logging entry
// (severity instead of level).
enum class format { erlang, json, gcl };

// One structured field of a line (connection id, event type, source…). Only json/gcl lines
// show fields; erlang lines are the message alone. The value is borrowed: a field lives for
// the one call it is passed to.
struct field {
    using value_type = std::variant<std::string_view, std::int64_t, std::uint64_t, bool>;

    field(std::string_view k, std::string_view v) : key(k), value(v) {}
    field(std::string_view k, const char* v) : key(k), value(std::string_view(v ? v : "")) {}
    field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
    field(std::string_view k, bool v) : key(k), value(v) {}
    template <std::signed_integral T>
    field(std::string_view k, T v) : key(k), value(static_cast<std::int64_t>(v)) {}
    template <std::unsigned_integral T>
    field(std::string_view k, T v) : key(k), value(static_cast<std::uint64_t>(v)) {}

    std::string_view key;
    value_type value;
};
using fields = std::initializer_list<field>;

// Logs to stderr at `lvl` and up, in `fmt`. Call once, before any thread logs.
void init(level lvl, format fmt = format::erlang);

// The same with another logger (tests: a logger writing to a string stream).
void install(std::shared_ptr<spdlog::logger> logger, level lvl, format fmt);

// The format init() chose (erlang before init).
format current_format();

// The one line for a configuration rig refuses, written before init() (the format is then the
// LOG_FMT value if it was valid, else erlang): `rig: invalid configuration: <message>` as a
// plain line, or an error-level JSON line.
void config_error(std::string_view message, format fmt);

namespace detail {

// The fields of the line being logged on this thread. spdlog's logger is synchronous, so the
// formatter runs on the calling thread, inside the call that set them.
inline thread_local std::span<const field> current_fields;

class fields_scope {
public:
    explicit fields_scope(std::span<const field> f) : saved_(current_fields) { current_fields = f; }
    ~fields_scope() { current_fields = saved_; }
    fields_scope(const fields_scope&) = delete;
    fields_scope& operator=(const fields_scope&) = delete;

private:
    std::span<const field> saved_;
};

template <class... Args>
void log_with(spdlog::level::level_enum lvl, std::span<const field> f,
              spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (!spdlog::should_log(lvl)) {
        return;
    }
    fields_scope scope(f);
    spdlog::log(lvl, fmt, std::forward<Args>(args)...);
}

}  // namespace detail

template <class... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::info(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <class... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::error(fmt, std::forward<Args>(args)...);
}

// The same with structured fields: log::info_with({{"event_type", t}}, "…", …).
template <class... Args>
void debug_with(fields f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
    detail::log_with(spdlog::level::debug, f, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void info_with(fields f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
    detail::log_with(spdlog::level::info, f, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void warn_with(fields f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
    detail::log_with(spdlog::level::warn, f, fmt, std::forward<Args>(args)...);
}
template <class... Args>
void error_with(fields f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
    detail::log_with(spdlog::level::err, f, fmt, std::forward<Args>(args)...);
}

// The completion handler of a co_spawn'd coroutine: logs the exception that ended it, if any
// (the data path does not throw; one that does is a bug worth a line).
struct exception_logger {
    const char* what;  // what the coroutine was, for the log line
    void operator()(const std::exception_ptr& e) const;
};

// Logs at most `per_second` lines per second for one kind of per-client noise (bad requests,
// slow consumers), so that a misbehaving or hostile client cannot flood the log. Lines over the
// budget are counted and reported with the next line that gets through: as a line of its own
// in erlang format, as the field `suppressed` of that line in json/gcl.
class rate_limited {
public:
    explicit rate_limited(unsigned per_second) : per_second_(per_second) {}

    template <class... Args>
    void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
        info_with({}, fmt, std::forward<Args>(args)...);
    }

    template <class... Args>
    void info_with(fields f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
        if (!spdlog::should_log(spdlog::level::info)) {
            return;
        }
        const long suppressed = admit();
        if (suppressed < 0) {
            return;
        }
        if (suppressed == 0) {
            detail::log_with(spdlog::level::info, f, fmt, std::forward<Args>(args)...);
        } else if (current_format() == format::erlang) {
            spdlog::info("({} similar lines suppressed)", suppressed);
            detail::log_with(spdlog::level::info, f, fmt, std::forward<Args>(args)...);
        } else {
            log_counted(suppressed, f, fmt, std::forward<Args>(args)...);
        }
    }

private:
    // Returns -1 when the line must be dropped, else the number of lines dropped before it.
    long admit();

    template <class... Args>
    static void log_counted(long suppressed, fields f, spdlog::format_string_t<Args...> fmt,
                            Args&&... args) {
        std::vector<field> all(f);  // once a second at most, under a flood
        all.emplace_back("suppressed", suppressed);
        detail::log_with(spdlog::level::info, all, fmt, std::forward<Args>(args)...);
    }

    unsigned per_second_;
    std::atomic<long> window_{0};
    std::atomic<long> used_{0};
    std::atomic<long> dropped_{0};
};

}  // namespace rig::log
