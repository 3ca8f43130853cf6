#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <string_view>

namespace rig::log {

// The logging facade: modules log through these so that the sink and format are chosen once,
// in app. spdlog is thread-safe; formatting happens only when the level is enabled.
enum class level { debug, info, warn, error };

void init(level lvl);

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

// The completion handler of a co_spawn'd coroutine: logs the exception that ended it, if any
// (the data path does not throw; one that does is a bug worth a line).
struct exception_logger {
    const char* what;  // what the coroutine was, for the log line
    void operator()(std::exception_ptr e) const;
};

// Logs at most `per_second` lines per second for one kind of per-client noise (bad requests,
// slow consumers), so that a misbehaving or hostile client cannot flood the log. Lines over the
// budget are counted and reported with the next line that gets through.
class rate_limited {
public:
    explicit rate_limited(unsigned per_second) : per_second_(per_second) {}

    template <class... Args>
    void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
        if (!spdlog::should_log(spdlog::level::info)) {
            return;
        }
        if (auto suppressed = admit(); suppressed >= 0) {
            if (suppressed > 0) {
                spdlog::info("({} similar lines suppressed)", suppressed);
            }
            spdlog::info(fmt, std::forward<Args>(args)...);
        }
    }

private:
    // Returns -1 when the line must be dropped, else the number of lines dropped before it.
    long admit();

    unsigned per_second_;
    std::atomic<long> window_{0};
    std::atomic<long> used_{0};
    std::atomic<long> dropped_{0};
};

}  // namespace rig::log
