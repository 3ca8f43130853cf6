#pragma once

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/shard_hub.hpp"
#include "net/asio.hpp"
#include "transport/connection_host.hpp"
#include "transport/connection_token.hpp"

namespace rig::transport {

class connection;

// The connections of one shard: a registry of slots (a slot and its generation are what a
// token names), the sessions they belong to, the list of connections to flush at the end of
// the shard's round, and the timer that drives heartbeats and close deadlines. It is the
// connection_host of every connection on its shard.
//
// Heartbeats are spread over `tick_buckets` rounds of one timer: each round visits the
// connections of one bucket, so a shard with n connections does n/16 work per round instead
// of keeping a timer per connection. A connection's bucket is its slot modulo tick_buckets,
// and its slot is chosen so that the bucket is the one of the round it opened in: its first
// heartbeat then comes one interval after it opened.
//
// Lifetime: owned by app, one per shard, for the life of the node; release_io() before the
// shard's io_context goes.
//
// @par Thread safety
// Used only from its shard's thread; other shards reach it by posting to io().
class connection_registry final : public connection_host {
public:
    static constexpr unsigned tick_buckets = ticks_per_heartbeat;

    connection_registry(unsigned shard, asio::io_context& io, hub::shard_hub& hub,
                        const token_codec& tokens, const transport_options& options);
    virtual ~connection_registry();  // C.35: it has virtual functions
    connection_registry(const connection_registry&) = delete;
    connection_registry& operator=(const connection_registry&) = delete;

    unsigned shard() const { return shard_; }
    asio::io_context& io() const { return io_; }
    std::size_t live() const { return live_; }

    // Gives `c` a slot and its token, and makes it part of `session` when one is given.
    void enroll(const std::shared_ptr<connection>& c, const std::optional<std::string>& session);
    // Makes `c` part of `session` as well (a subscription update with a JWT).
    void join_session(connection& c, const std::string& session);
    // The live connection at `a`, or null if it has finished (or never existed).
    std::shared_ptr<connection> find(const connection_address& a) const;
    // Closes every connection of `session` on this shard (rig.session_killed / WS 1000).
    void kill_session(const std::string& session);

    // Starts the heartbeat/deadline timer.
    void start();
    // Closes every connection cleanly. The timer keeps running until the last one is gone,
    // to enforce close deadlines.
    void drain();
    // The shard's idle hook: flushes the connections that asked; true if there were any.
    bool run_flushes();
    // After the shard's thread has stopped: drops the timer and the connections, so that no
    // I/O object outlives the io_context.
    void release_io();

    // connection_host
    const transport_options& options() const override { return options_; }
    uint64_t tick() const override { return tick_; }
    bool draining() const override { return draining_; }
    std::chrono::steady_clock::time_point now() const override {
        return std::chrono::steady_clock::now();
    }
    void request_flush(connection& c) override;
    void subscriptions_changed(connection& c) override;
    void closing(connection& c) override;
    void finished(connection& c) override;
    hub::shard_stats& stats() override { return hub_.stats(); }
    const hub::event_history* history() const override { return history_; }
    // The node's history, for resuming connections. Set before the shard runs.
    void set_history(const hub::event_history* history) { history_ = history; }

private:
    void schedule_tick();
    void count(const connection& c, int64_t delta);

    struct slot {
        uint32_t generation = 0;
        std::shared_ptr<connection> conn;
    };
    const unsigned shard_;
    asio::io_context& io_;
    hub::shard_hub& hub_;
    const hub::event_history* history_ = nullptr;
    const token_codec& tokens_;
    const transport_options& options_;
    std::vector<slot> slots_;
    std::array<std::vector<uint32_t>, tick_buckets> free_slots_;  // by slot % tick_buckets
    std::size_t live_ = 0;
    std::unordered_map<std::string, std::vector<connection*>> sessions_of_;
    std::optional<asio::steady_timer> timer_;
    std::vector<std::shared_ptr<connection>> flush_list_;
    std::vector<std::shared_ptr<connection>> flushing_;
    uint64_t tick_ = 0;
    bool draining_ = false;
};

}  // namespace rig::transport
