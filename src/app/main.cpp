#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>

#include "app/node.hpp"
#include "config/check_config.hpp"
#include "config/env_warnings.hpp"
#include "config/node_options.hpp"
#include "config/settings_help.hpp"
#include "core/log.hpp"

#ifndef RIG_VERSION
#define RIG_VERSION "unknown"
#endif
#ifndef RIG_GIT_COMMIT
#define RIG_GIT_COMMIT ""
#endif

namespace {

// In LOG_FMT's format when that setting itself is valid.
int invalid_configuration(const std::string& message) {
    rig::log::config_error(message, rig::config::log_format_from_env());
    return 2;
}

// One warning line per variable rig sees but will not act on (unimplemented or misspelt).
void warn_about_environment(const rig::config::node_options& options) {
    const auto extra = rig::config::referenced_variables(options);
    for (const auto& line :
         rig::config::environment_warnings(rig::config::process_environment(), extra)) {
        rig::log::warn("{}", line);
    }
}

// The environment's settings, checked as a start checks them before it listens, with the
// log set up and the environment's warnings written; nothing when refused (reported).
std::optional<rig::config::node_options> load_checked_configuration() {
    auto options = rig::config::load_from_env();
    if (!options) {
        invalid_configuration(options.error().message);
        return std::nullopt;
    }
    if (auto e = rig::config::check_before_start(*options)) {
        invalid_configuration(e->message);
        return std::nullopt;
    }
    rig::log::init(options->log_level, options->log_format);
    warn_about_environment(*options);
    return std::move(*options);
}

// --check-config: everything a start checks before it listens, and nothing after.
int check_config() {
    if (!load_checked_configuration()) {
        return 2;
    }
    std::puts("config ok");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // rig is configured by its environment; the only arguments are these one-shot commands.
    if (argc > 1) {
        const std::string_view arg = argv[1];
        if (argc == 2 && (arg == "--help" || arg == "-h")) {
            std::fputs(rig::config::help_text().c_str(), stdout);
            return 0;
        }
        if (argc == 2 && arg == "--version") {
            const std::string_view commit = RIG_GIT_COMMIT;
            std::printf("rig %s%s%s%s\n", RIG_VERSION, commit.empty() ? "" : " (git ",
                        RIG_GIT_COMMIT, commit.empty() ? "" : ")");
            return 0;
        }
        if (argc == 2 && arg == "--check-config") {
            return check_config();
        }
        const bool known =
            arg == "--help" || arg == "-h" || arg == "--version" || arg == "--check-config";
        std::fprintf(stderr, "rig: unknown argument \"%s\" (rig --help lists the options)\n",
                     known ? argv[2] : argv[1]);
        return 2;
    }
    // Signals are taken by sigwait in this thread only; block them before any thread starts
    // so that no shard or library thread receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    // SIGHUP (a closed terminal, an ended ssh session) must not take every client down: it
    // is taken here too, logged and ignored. rig has nothing to reload.
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto options = load_checked_configuration();
    if (!options) {
        return 2;
    }

    try {
        rig::app::node node(std::move(*options));
        node.start();
        int sig = 0;
        while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
            rig::log::warn("rig: SIGHUP ignored (nothing to reload; SIGTERM or SIGINT stops rig)");
        }
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
