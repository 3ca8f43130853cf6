#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>

#include "core/log_format.hpp"

namespace rig::log {
namespace {

std::atomic<format> chosen_format{format::erlang};

}  // namespace

format current_format() {
    return chosen_format.load(std::memory_order_relaxed);
}

void config_error(std::string_view message, format fmt) {
    if (fmt == format::erlang) {
        std::fprintf(stderr, "rig: invalid configuration: %.*s\n", static_cast<int>(message.size()),
                     message.data());
        return;
    }
    const std::string text = fmt::format("rig: invalid configuration: {}", message);
    const spdlog::details::log_msg msg("rig", spdlog::level::err, text);
    const std::string line = structured_line(fmt, msg, {}) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

void init(level lvl, format fmt) {
    install(spdlog::stderr_logger_mt("rig"), lvl, fmt);
}

void install(std::shared_ptr<spdlog::logger> logger, level lvl, format fmt) {
    if (fmt == format::erlang) {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    } else {
        logger->set_formatter(std::make_unique<structured_formatter>(fmt));
    }
    chosen_format.store(fmt, std::memory_order_relaxed);
    spdlog::set_default_logger(std::move(logger));
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

void exception_logger::operator()(const std::exception_ptr& e) const {
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
