#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "core/shared_budget.hpp"
#include "http/response_channel.hpp"
#include "hub/subscriber.hpp"
#include "subscription/subscription.hpp"
#include "transport/connection_host.hpp"
#include "transport/frame_queue.hpp"

namespace rig::transport {

// Why rig ends a connection.
enum class close_reason { shutdown, slow_consumer, session_killed };

// A client connection (SSE stream, WebSocket or long-poll session): its token, its
// subscriptions, its queue of outgoing frames, and its life.
//
// One lifecycle for every transport:
//   open      receives events and accepts subscription changes;
//   closing   has left the index and its sessions (subscription changes answer 410) and sends
//             what is left (the end of an SSE stream, a WebSocket close frame), within a grace
//             period (5 s, 1 s while the node drains) after which it is cut;
//   finished  its channel is closed and it has left the registry.
// One write path for the streaming transports: deliveries queue shared frames (frame_queue,
// bounded by RIG_MAX_QUEUE_BYTES); at the end of the shard's round the connection sends
// everything queued in one gathered write on its response_channel (HTTP/1.1 over TCP or TLS,
// or an HTTP/2 stream); the next write starts when that one completes.
//
// Lifetime: owned by the shard's registry from enrollment until finished; pending channel
// operations keep it alive (shared_from_this) until they complete.
//
// @par Thread safety
// Lives on one shard; every member is used only from that shard's thread.
class connection : public hub::subscriber,
                   public http::channel_user,
                   public std::enable_shared_from_this<connection> {
public:
    enum class kind : uint8_t { sse, ws, longpoll };
    enum class phase : uint8_t { open, closing, finished };

    // `channel` is null for long polling (its polls are separate requests).
    connection(connection_host& host, kind k, std::unique_ptr<http::response_channel> channel);
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    virtual ~connection();

    kind type() const { return kind_; }
    phase state() const { return phase_; }
    bool is_open() const { return phase_ == phase::open; }
    // Whether its stream is an HTTP/2 stream (else HTTP/1.1, or long polling).
    bool http2() const { return channel_ != nullptr && !channel_->chunked(); }
    const std::string& token() const { return token_; }
    uint32_t slot() const { return slot_; }
    uint64_t opened_tick() const { return opened_tick_; }
    const std::vector<subscription::subscription>& subscriptions() const { return subs_; }
    const std::vector<std::string>& sessions() const { return sessions_; }

    // By the registry: the connection has its place and its token.
    void enrolled(uint32_t slot, std::string token, uint64_t tick);
    // By the registry: the connection belongs to `session` too (ignored unless open).
    bool add_session(const std::string& session);

    // Starts the transport: the response head, rig.connection.create, watching the peer.
    // Call once, after enrollment.
    virtual void start() = 0;

    // Replaces the subscription set (already validated and de-duplicated), re-indexes it and
    // sends rig.subscriptions_set. Ignored unless open. The first time the set is not empty,
    // a resume cursor (resume_after) is used: what the node's history holds after it, and
    // matches the set, follows rig.subscriptions_set; or rig.history_gap when the history
    // does not know the cursor.
    void set_subscriptions(std::vector<subscription::subscription> subs);

    // RIG_MAX_SUBSCRIPTIONS: the connection holds `charge` (taken when it was admitted) and
    // draws from the same budget from now on, until it finishes.
    void adopt_subscription_charge(core::budget_charge charge) {
        subscription_charge_ = std::move(charge);
    }
    // Takes what holding `n` subscriptions needs from the node's budget; false (nothing
    // taken) when the node is full. Call before set_subscriptions with a larger set.
    bool charge_subscriptions(std::size_t n) { return subscription_charge_.resize(n); }

    // The id of the last event the client got (Last-Event-ID, last_event_id): replayed from
    // when the subscriptions are set. Call before the first set_subscriptions.
    void resume_after(std::string cursor) { cursor_ = std::move(cursor); }

    // hub::subscriber: queues a published event, unless a replay already sent it.
    void deliver(const hub::event_ptr& event) final;

    // Ends the connection on rig's initiative.
    virtual void close(close_reason why) = 0;

    // By the shard's timer, once per heartbeat interval for each connection (its bucket's
    // round): cuts a connection whose grace period is over, then lets the transport send its
    // heartbeat (on_heartbeat).
    void on_tick(uint64_t tick);

    // By the registry at the end of a round (see connection_host::request_flush).
    void flush();

    // http::channel_user
    void on_written(const http::error_code& ec) override;
    void on_readable(const http::error_code& ec) override;

protected:
    // Queues the transport's form of an event (an SSE message, a WebSocket frame, a long-poll
    // entry): a published one, a replayed one, or one rig made for this connection.
    virtual void queue_event(const hub::event_ptr& event) = 0;
    // Queues a frame for the next gathered write. Ignored once finished, and while closing
    // unless it is one of the last frames (`final`).
    void enqueue(core::frame f, bool final = false);
    // The queue is full: the transport decides (disconnect, close frame).
    virtual void on_overflow() = 0;
    // The shard timer's round for this connection, while open.
    virtual void on_heartbeat(uint64_t tick) = 0;
    // The peer sent something (or ended): read it with read_peer(). Return false when the
    // connection stops watching (it finished).
    virtual bool on_peer_readable() = 0;

    // Sends an event rig generated for this connection alone.
    void emit(cloudevents::cloud_event&& ev);
    // rig.connection.create with this connection's token.
    void emit_connection_create();

    // What happens once the last frames are written, when closing.
    enum class after_flush : uint8_t {
        end_channel,    // end the response (FIN, END_STREAM) and finish
        finish,         // just finish (close the connection)
        wait_for_peer,  // keep reading until the peer ends (WebSocket close handshake)
    };
    // open → closing: stops receiving events and gives what is queued the grace period.
    void begin_closing(after_flush then);
    // → finished, now: closes the channel and leaves the registry. Safe anywhere, also
    // inside deliver() (the registry defers what would edit the index).
    void finish();
    // Starts (or continues) watching the peer.
    void watch_peer();
    // Reads from the channel without blocking (would_block when there is nothing).
    std::size_t read_peer(boost::asio::mutable_buffer b, http::error_code& ec);
    bool chunked() const { return channel_ != nullptr && channel_->chunked(); }

    connection_host& host_;
    frame_queue queue_;

private:
    void replay(const std::string& cursor);
    void request_flush();
    void write_now();
    void after_last_write();

    std::unique_ptr<http::response_channel> channel_;
    kind kind_;
    phase phase_ = phase::open;
    after_flush then_ = after_flush::finish;
    bool flush_requested_ = false;
    uint32_t slot_ = 0;
    uint64_t opened_tick_ = 0;
    std::chrono::steady_clock::time_point close_deadline_{};
    std::string token_;
    std::vector<subscription::subscription> subs_;
    core::budget_charge subscription_charge_;
    std::vector<std::string> sessions_;
    std::optional<std::string> cursor_;  // until the subscriptions are first set
    uint64_t live_from_ = 0;             // published events numbered below were in the replay
    bool replaying_ = false;             // frames queued now do not count against the queue's bound
    // published_at() of the first event delivered since the last write (0: none): the next
    // write observes publish→write latency for it, one clock read per write.
    int64_t oldest_published_ = 0;
};

// How long a closing connection may take to send its last frames (and, for WebSocket, to
// answer the close frame): 5 s, or 1 s while the node drains.
std::chrono::steady_clock::duration close_grace(bool draining);

}  // namespace rig::transport
