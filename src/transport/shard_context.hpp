#pragma once

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/client_pool.hpp"
#include "http/session.hpp"
#include "hub/shard_hub.hpp"
#include "net/asio.hpp"
#include "transport/connection_token.hpp"

namespace rig::transport {

class connection;
struct node_context;

// Everything one shard owns: its connections (by registry slot), its delivery hub and index,
// its HTTP sessions, and the timer that drives heartbeats and expiry.
//
// Heartbeats are spread over `tick_buckets` rounds of one timer: each round visits the
// connections of one bucket, so a shard with n connections does n/16 work per round instead
// of keeping a timer per connection. A connection's bucket is its slot modulo tick_buckets,
// and its slot is chosen so that the bucket is the one of the round it opened in: its first
// heartbeat then comes one interval after it opened.
//
// @par Thread safety
// Used only from the shard's own thread, except `io` (post to it).
class shard_context {
public:
    static constexpr unsigned tick_buckets = 16;

    shard_context(unsigned index, asio::io_context& io, node_context& node);
    ~shard_context();

    const unsigned index;
    asio::io_context& io;
    node_context& node;
    hub::shard_hub hub;
    http::session_tracker sessions;
    http::client_pool clients;  // outbound calls (external checks)

    // Registry of live connections. Returns the slot and generation that the token encodes.
    connection_address add(std::shared_ptr<connection> c);
    void remove(uint32_t slot);
    // The live connection at `a`, or null if it has closed (or never existed).
    std::shared_ptr<connection> find(const connection_address& a) const;

    // Calls c->flush() at the end of the shard's current round of handlers (see
    // net::shard_pool::set_idle_hook), together with every other connection that asked
    // meanwhile: deliveries that arrive back to back (a burst, or a shard under load) leave
    // each connection with one gathered write, not one each.
    void schedule_flush(std::shared_ptr<connection> c) { flush_list_.push_back(std::move(c)); }

    // The shard's idle hook: runs the scheduled flushes; true if there were any.
    bool run_flushes();

    // Sessions (spec §6): which of this shard's connections belong to which session, so that
    // blacklisting a session ends them at once.
    void associate(const std::string& session, connection* c);
    void dissociate(const std::string& session, connection* c);
    // Closes every connection of `session` on this shard (rig.session_killed / WS 1000).
    void kill_session(const std::string& session);

    uint64_t tick() const { return tick_; }
    bool draining() const { return draining_; }

    // Starts the heartbeat/expiry timer.
    void start();
    // Ends idle HTTP sessions and closes every connection cleanly. The timer keeps running
    // until the last connection is gone, to enforce close deadlines.
    void drain();
    // After the shard's thread has stopped: drops the timer, the connections and the pooled
    // outbound connections, so that no I/O object outlives the io_context.
    void release_io();

private:
    void schedule_tick();

    struct slot {
        uint32_t generation = 0;
        std::shared_ptr<connection> conn;
    };
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
