#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace rig::log {

void init(level lvl) {
    auto logger = spdlog::stderr_logger_mt("rig");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    spdlog::set_default_logger(logger);
    switch (lvl) {
        case level::debug:
            spdlog::set_level(spdlog::level::debug);
            break;
        case level::info:
            spdlog::set_level(spdlog::level::info);
            break;
        case level::warn:
            spdlog::set_level(spdlog::level::warn);
            break;
        case level::error:
            spdlog::set_level(spdlog::level::err);
            break;
    }
    spdlog::flush_on(spdlog::level::info);
}

void exception_logger::operator()(std::exception_ptr e) const {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        error("{} ended by an exception: {}", what, ex.what());
    } catch (...) {
        error("{} ended by an exception", what);
    }
}

long rate_limited::admit() {
    const long now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    long window = window_.load(std::memory_order_relaxed);
    if (window != now && window_.compare_exchange_strong(window, now)) {
        used_.store(0, std::memory_order_relaxed);
    }
    if (used_.fetch_add(1, std::memory_order_relaxed) >= static_cast<long>(per_second_)) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return -1;
    }
    return dropped_.exchange(0, std::memory_order_relaxed);
}

}  // namespace rig::log
