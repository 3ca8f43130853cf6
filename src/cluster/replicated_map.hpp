#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"

struct __kvStore;

namespace rig::cluster {

// State shared by every node of the cluster: a JetStream key-value bucket
// (`<prefix>_<name>`) that every node watches. The watch first replays every key's latest
// entry (so a node started later knows them all), then brings each new write, from any node,
// this node's own included, within milliseconds. Keys are any bytes (stored base64url
// encoded); values are opaque to the map.
//
// Owned by the cluster_member; used by the replicated blacklist and the API definitions.
//
// @par Thread safety
// put() and erase() may be called from any thread; they only queue the write, which one
// writer thread makes, in order, once the bucket is bound (retrying while NATS is away).
// `apply` is called on the watcher's thread, one entry at a time, in the bucket's order.
class replicated_map {
public:
    // `value` is empty for a delete or purge marker.
    using apply =
        std::function<void(const std::string& key, std::optional<std::string_view> value)>;

    // `name` completes the bucket's name; `description` is shown by `nats kv ls`.
    replicated_map(nats_link& link, const cluster_options& options, std::string_view name,
                   std::string description, apply on_entry);
    ~replicated_map();
    replicated_map(const replicated_map&) = delete;
    replicated_map& operator=(const replicated_map&) = delete;

    // Starts watching; when the link is up, returns once every existing entry was applied (or
    // after the cluster timeout).
    void start();
    void stop();

    void put(std::string key, std::string value);
    void erase(std::string key);  // writes a delete marker

    const std::string& bucket() const { return bucket_; }
    bool caught_up() const { return caught_up_.load(std::memory_order_relaxed); }
    // Entries received from the bucket (this node's own included), markers included.
    uint64_t received() const { return received_.load(std::memory_order_relaxed); }

private:
    struct write {
        std::string key;
        std::optional<std::string> value;  // empty: delete
    };
    void watch_loop();
    void write_loop();
    bool bind();  // the bucket, created if missing; true when bound
    void queue(write w);

    nats_link& link_;
    const cluster_options& options_;
    std::string bucket_;
    std::string description_;
    apply apply_;

    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    __kvStore* kv_ = nullptr;  // set once by the watcher thread, under mutex_
    std::vector<write> to_write_;

    std::atomic<bool> caught_up_{false};
    std::atomic<uint64_t> received_{0};
    std::thread watcher_;
    std::thread writer_;
};

// The bucket's name for `name` under the cluster's prefix, with characters a bucket name may
// not hold replaced by '_'.
std::string bucket_name(std::string_view prefix, std::string_view name);

}  // namespace rig::cluster
