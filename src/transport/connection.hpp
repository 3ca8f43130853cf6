#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "hub/subscriber.hpp"
#include "subscription/subscription.hpp"

namespace rig::transport {

class shard_context;

// Why a connection ends, when rig ends it.
enum class close_reason { shutdown, slow_consumer, session_killed };

// How long a connection that rig is closing may take to flush its end (and, for WebSocket,
// to answer the close frame) before it is cut: 5 s, or 1 s while the node shuts down.
std::chrono::steady_clock::duration close_grace(const shard_context& shard);

// A client connection (SSE stream, WebSocket or long-poll session): its token, its
// subscriptions and its place in the shard's registry and subscription index.
//
// Lifetime: owned by the shard's registry from open() until unregister(); pending I/O keeps
// it alive past that (shared_from_this) until the socket is closed.
//
// @par Thread safety
// Lives on one shard; every member is used only from that shard's thread.
class connection : public hub::subscriber, public std::enable_shared_from_this<connection> {
public:
    enum class kind : uint8_t { sse, ws, longpoll };

    connection(shard_context& shard, kind k);
    virtual ~connection();

    kind type() const { return kind_; }
    const std::string& token() const { return token_; }
    const std::vector<subscription::subscription>& subscriptions() const { return subs_; }
    uint64_t opened_tick() const { return opened_tick_; }

    // Registers the connection in its shard and issues its token.
    void open();

    // True once the connection has begun to close: it no longer receives events and no longer
    // accepts subscription changes (they answer 410), though it may still be flushing.
    bool closing() const { return closing_; }

    // Associates the connection with a session (spec §6.1): blacklisting it ends the
    // connection. Ignored once closing.
    void join_session(const std::string& session);

    // Replaces the subscription set (already validated and de-duplicated), re-indexes it and
    // emits rig.subscriptions_set to the client.
    void set_subscriptions(std::vector<subscription::subscription> subs);

    // Called by the shard's timer: heartbeats, pings, expiry. `tick` counts timer rounds.
    virtual void on_tick(uint64_t tick) = 0;

    // Ends the connection on rig's initiative.
    virtual void close(close_reason why) = 0;

    // Writes what was queued since the connection asked its shard for a flush
    // (shard_context::schedule_flush).
    virtual void flush() {}

protected:
    // Sends an event rig generated for this connection alone.
    void emit(cloudevents::cloud_event&& ev);
    // rig.connection.create with this connection's token.
    void emit_connection_create();
    // Stops receiving events: leaves the index but stays in the registry, so that the shard's
    // timer still ticks it (close deadlines) until unregister(). Idempotent. Must not run
    // inside deliver().
    void mark_closing();
    // Leaves the index and the registry (idempotent). Must not run inside deliver().
    void unregister();

    shard_context& shard_;

private:
    kind kind_;
    bool registered_ = false;
    bool closing_ = false;
    uint32_t slot_ = 0;
    uint64_t opened_tick_ = 0;
    std::string token_;
    std::vector<subscription::subscription> subs_;
    std::vector<std::string> sessions_;
};

}  // namespace rig::transport
