#include "net/shard_pool.hpp"

#include <exception>
#include <string>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::net {
namespace {
thread_local int this_shard = -1;
}

shard_pool::shard_pool(unsigned shards) {
    for (unsigned i = 0; i < shards; ++i) {
        shards_.push_back(std::make_unique<shard>());
    }
}

shard_pool::~shard_pool() {
    stop_and_join();
}

void shard_pool::set_idle_hook(unsigned i, std::function<bool()> hook) {
    shards_[i]->idle_hook = std::move(hook);
}

void shard_pool::run_loop(shard& s) {
    if (!s.idle_hook) {
        s.io.run();
        return;
    }
    // Ready handlers first, at most `batch` in a row, then the idle hook (which flushes
    // output), then block for more. Under load, input keeps arriving while a round of
    // handlers runs, and what it produced goes out together at the end of the round; when
    // idle, the hook runs right after the one handler that made work for it.
    constexpr std::size_t batch = 64;
    for (;;) {
        std::size_t ran = 0;
        while (ran < batch && s.io.poll_one() != 0) {
            ++ran;
        }
        const bool hook_worked = s.idle_hook();
        if (ran == 0 && !hook_worked && s.io.run_one() == 0) {
            return;  // stopped, or out of work after release()
        }
    }
}

int shard_pool::current() {
    return this_shard;
}

void shard_pool::start() {
    for (unsigned i = 0; i < shards_.size(); ++i) {
        shard* s = shards_[i].get();
        s->thread = std::thread([s, i] {
            this_shard = static_cast<int>(i);
            core::name_this_thread("rig-shard-" + std::to_string(i));
            try {
                run_loop(*s);
            } catch (const std::exception& e) {
                // Handlers do not throw on the data path; reaching this is a bug.
                log::error("shard {} stopped by an exception: {}", i, e.what());
                std::terminate();
            }
            s->done.store(true);
        });
    }
}

void shard_pool::release() {
    for (auto& s : shards_) {
        s->work.reset();
    }
}

bool shard_pool::join_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (auto& s : shards_) {
        while (!s->done.load()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (s->thread.joinable()) {
            s->thread.join();
        }
    }
    return true;
}

void shard_pool::destroy_contexts() {
    stop_and_join();
    shards_.clear();
}

void shard_pool::stop_and_join() {
    for (auto& s : shards_) {
        s->io.stop();
    }
    for (auto& s : shards_) {
        if (s->thread.joinable()) {
            s->thread.join();
        }
    }
}

}  // namespace rig::net
