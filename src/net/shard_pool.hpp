#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace rig::net {

// N shards, each an io_context run by one thread of its own. Everything a shard owns is
// touched only by that thread; other threads reach it by posting to its executor.
class shard_pool {
public:
    explicit shard_pool(unsigned shards);
    ~shard_pool();
    shard_pool(const shard_pool&) = delete;
    shard_pool& operator=(const shard_pool&) = delete;

    unsigned size() const { return static_cast<unsigned>(shards_.size()); }
    boost::asio::io_context& context(unsigned i) { return shards_[i]->io; }

    // Before start(): a function the shard's thread calls after each round of ready handlers
    // (at most 64), before it waits for more; it returns whether it did any work. Used to
    // write out, once per round, what the round's handlers queued.
    void set_idle_hook(unsigned i, std::function<bool()> hook);

    // Starts one thread per shard. Each runs until released and out of work, or stopped.
    void start();

    // Lets each shard's thread return once it has no more work (used to drain).
    void release();

    // Waits for every shard thread to return; true if they all did within `timeout`.
    bool join_for(std::chrono::milliseconds timeout);

    // Stops every shard at once (after a drain that timed out) and joins.
    void stop_and_join();

    // After stop_and_join(): destroys the io_contexts, and with them every handler and
    // coroutine frame still queued. Whatever those refer to must still exist.
    void destroy_contexts();

    // The index of the shard whose thread calls this, or -1 outside shard threads.
    static int current();

private:
    struct shard {
        boost::asio::io_context io{1};
        boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
            io.get_executor()};
        std::thread thread;
        std::function<bool()> idle_hook;
        std::atomic<bool> done{false};
    };
    static void run_loop(shard& s);

    std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace rig::net
