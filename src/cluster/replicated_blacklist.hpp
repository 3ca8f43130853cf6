#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/replicated_map.hpp"

namespace rig::cluster {

// The session blacklist shared by every node: the replicated map `<prefix>_blacklist`, one key
// per session, the value its expiry (Unix ms). A node started later gets every entry from the
// watch's replay; new entries, from any node, arrive within milliseconds.
//
// @par Thread safety
// add() may be called from any thread. `apply` is called on the map's watcher thread.
class replicated_blacklist {
public:
    using clock = std::chrono::system_clock;
    using apply = std::function<void(const std::string& session, clock::time_point expires)>;

    replicated_blacklist(nats_link& link, const cluster_options& options, apply on_entry);

    // Starts watching; when the link is up, returns once every existing entry was applied (or
    // after the cluster timeout).
    void start() { map_.start(); }
    void stop() { map_.stop(); }

    // Records an entry for every node.
    void add(std::string session, clock::time_point expires);

    bool caught_up() const { return map_.caught_up(); }
    // Entries received from the bucket (this node's own included).
    uint64_t received() const { return map_.received(); }

private:
    void on_value(const std::string& session, std::optional<std::string_view> value) const;

    apply apply_;
    replicated_map map_;
};

}  // namespace rig::cluster
