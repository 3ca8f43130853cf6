#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <exception>

#include "app/node.hpp"
#include "config/node_options.hpp"
#include "core/log.hpp"

int main() {
    // Signals are taken by sigwait in this thread only; block them before any thread starts
    // so that no shard or library thread receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto options = rig::config::load_from_env();
    if (!options) {
        rig::log::config_error(options.error().message, rig::config::log_format_from_env());
        return 2;
    }
    rig::log::init(options->log_level, options->log_format);

    try {
        rig::app::node node(std::move(*options));
        node.start();
        int sig = 0;
        sigwait(&stop_signals, &sig);
        node.stop();
    } catch (const rig::app::start_refused& e) {
        rig::log::error("rig: refusing to start: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        rig::log::error("rig: cannot start: {}", e.what());
        return 1;
    }
    return 0;
}
