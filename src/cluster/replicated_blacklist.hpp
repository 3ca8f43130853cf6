#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"

struct __kvStore;

namespace rig::cluster {

// The session blacklist shared by every node: a JetStream key-value bucket
// (`<prefix>_blacklist`, one key per session, the value its expiry). Each node watches the
// whole bucket: the watch first replays every entry (so a node started later knows them all),
// then brings each new entry, from any node, within milliseconds.
//
// @par Thread safety
// add() may be called from any thread. `apply` is called on the watcher's thread.
class replicated_blacklist {
public:
    using clock = std::chrono::system_clock;
    using apply = std::function<void(const std::string& session, clock::time_point expires)>;

    replicated_blacklist(nats_link& link, const cluster_options& options, apply on_entry);
    ~replicated_blacklist();
    replicated_blacklist(const replicated_blacklist&) = delete;
    replicated_blacklist& operator=(const replicated_blacklist&) = delete;

    // Starts watching; when the link is up, returns once every existing entry was applied (or
    // after the cluster timeout).
    void start();
    void stop();

    // Records an entry for every node. Written on the replicator's thread, in order.
    void add(std::string session, clock::time_point expires);

    bool caught_up() const { return caught_up_.load(std::memory_order_relaxed); }
    // Entries received from the bucket (this node's own included).
    uint64_t received() const { return received_.load(std::memory_order_relaxed); }

private:
    void watch_loop();
    void write_loop();
    bool bind();  // the bucket, created if missing; true when bound

    nats_link& link_;
    const cluster_options& options_;
    apply apply_;
    std::string bucket_;

    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    __kvStore* kv_ = nullptr;  // set once by the watcher thread, under mutex_
    std::vector<std::pair<std::string, clock::time_point>> to_write_;

    std::atomic<bool> caught_up_{false};
    std::atomic<uint64_t> received_{0};
    std::thread watcher_;
    std::thread writer_;
};

}  // namespace rig::cluster
