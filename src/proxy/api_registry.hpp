#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/api_definition.hpp"

namespace rig::proxy {

// The node's API definitions and the internal API's operations on them (spec §7.2): list,
// get, create, update (shallow merge), delete (deactivate). Every change bumps the API's
// ref_number and timestamp and publishes a new immutable snapshot of the routable APIs
// (active, not versioned), which the router of every shard picks up for its next request.
//
// @par Thread safety
// All members may be called from any thread; changes are serialised by a mutex, snapshots
// are read without one (an atomic shared_ptr swap).
//
// In a cluster every definition changed through the internal API is shared (the `on_write`
// hook; the node puts it in a replicated bucket) and the definitions other nodes changed come
// back through apply_replicated(). Every node converges on the same definition per id: the one
// with the highest ref_number, among equal ones the last applied (the bucket's order, the same
// on every node). Definitions from the configuration file are per node; a shared one with the
// same id replaces them whatever its ref_number.
class api_registry {
public:
    using clock = std::chrono::system_clock;
    using snapshot = std::shared_ptr<const std::vector<api_definition>>;

    // `node_name` is shown as the APIs' node_name (RIG: rig@<host>).
    explicit api_registry(std::string node_name, std::function<clock::time_point()> now = {});

    // The configuration file's APIs, at start-up (already validated).
    void load(std::vector<api_definition> apis);

    // An answer as RIG gives it: HTTP status and JSON body (empty for 204).
    struct outcome {
        unsigned status;
        std::string body;
    };
    outcome list() const;
    outcome get(const std::string& id) const;
    outcome create(boost::json::object body);
    outcome update(const std::string& id, boost::json::object body);
    outcome remove(const std::string& id);

    // The APIs a router uses, in definition order.
    snapshot routable() const { return std::atomic_load(&routable_); }
    // Bumped by every change, after its snapshot is published: a router compares it with the
    // version it built from (one atomic load per request, no shared_ptr copy).
    uint64_t version() const { return version_.load(std::memory_order_acquire); }
    // Called (on the changing thread, without the lock) after each change.
    void on_change(std::function<void()> listener) { listener_ = std::move(listener); }

    // The definition as stored (JSON: what was given, plus id, active, ref_number, timestamp),
    // after each create, update or delete made here. Set before any change; called on the
    // changing thread, without the lock.
    using write_hook = std::function<void(const std::string& id, std::string definition)>;
    void on_write(write_hook hook) { writer_ = std::move(hook); }

    // A definition another node stored (as given to its write hook), or none when the shared
    // entry was removed (the API is deactivated). Applied unless this node has a shared one
    // with a higher ref_number; false when ignored (also when it is not a valid definition).
    bool apply_replicated(const std::string& id, std::optional<std::string_view> definition);

private:
    struct stored {
        api_definition api;
        std::string timestamp;  // ISO 8601, UTC
        bool shared = true;     // false: from the configuration file, never changed since
    };
    boost::json::object shown(const stored& s) const;
    stored* find_locked(const std::string& id);  // ids are unique in apis_
    void publish_locked();
    std::string timestamp() const;
    static std::string replicated(const stored& s);
    // Tells the listener, and the write hook when `definition` is set (a change made here).
    void after_change(const std::string& id, std::optional<std::string> definition);

    std::string node_name_;
    std::function<clock::time_point()> now_;
    mutable std::mutex mutex_;
    std::vector<stored> apis_;  // definition order; deleted ones stay, inactive
    snapshot routable_ = std::make_shared<const std::vector<api_definition>>();
    std::atomic<uint64_t> version_{0};
    std::function<void()> listener_;
    write_hook writer_;
};

}  // namespace rig::proxy
