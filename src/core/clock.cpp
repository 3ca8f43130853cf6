#include "core/clock.hpp"

#include <fmt/format.h>

#include <ctime>

namespace rig::core {

std::string rfc3339(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
    const auto secs = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1'000'000);
}

std::string rfc3339_now() {
    // Per thread, the text up to the seconds is reused while the second lasts.
    thread_local long long cached_second = -1;
    thread_local std::string cached_prefix;
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const long long second = us / 1'000'000;
    if (second != cached_second) {
        const std::string full = rfc3339(system_clock::time_point(microseconds(us)));
        cached_prefix = full.substr(0, 20);  // "YYYY-MM-DDTHH:MM:SS."
        cached_second = second;
    }
    std::string out = cached_prefix;
    out += fmt::format("{:06}+00:00", us % 1'000'000);
    return out;
}

}  // namespace rig::core
