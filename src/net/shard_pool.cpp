#include "net/shard_pool.hpp"

#include <exception>

#include "core/log.hpp"

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

int shard_pool::current() {
    return this_shard;
}

void shard_pool::start() {
    for (unsigned i = 0; i < shards_.size(); ++i) {
        shard* s = shards_[i].get();
        s->thread = std::thread([s, i] {
            this_shard = static_cast<int>(i);
            try {
                s->io.run();
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
