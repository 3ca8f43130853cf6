#include "sources/nats_source.hpp"

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace rig::sources {
namespace {

log::rate_limited bad_message_log{5};

// At most this many events are published together (one post per shard).
constexpr std::size_t max_batch = 256;

// Subscriptions whose message handler has returned for the last time (cnats's "complete"
// callback, on the subscription's own delivery thread).
struct completed_subscriptions {
    std::mutex mutex;
    std::condition_variable cv;
    std::size_t count = 0;
};

// One subscription's state. cnats delivers each subscription's messages on a thread of its
// own, so each has its own batch.
struct callback_context {
    callback_context(const ingest& sink, source_status& source_status,
                     completed_subscriptions& done)
        : status(&source_status), batch(sink), completed(&done) {}
    source_status* status;
    ingest::batch batch;
    std::size_t batched = 0;
    completed_subscriptions* completed;
};

// After the subscription's last handler (unsubscribed, or its connection closed): events still
// held for a batch are published, as each was before batching, then the source is told.
void on_subscription_complete(void* closure) {
    auto* ctx = static_cast<callback_context*>(closure);
    ctx->batch.flush();
    ctx->batched = 0;
    auto* c = ctx->completed;
    std::lock_guard lock(c->mutex);
    ++c->count;
    c->cv.notify_all();
}

// Publishes the batch unless more messages are already queued behind this one (and it is not
// full): an event waits only for messages rig has received, never for new ones, and a burst
// costs the shards one post per batch instead of one per event.
void flush_unless_more_queued(natsSubscription* sub, callback_context& ctx) {
    int queued = 0;
    int queued_bytes = 0;
    if (ctx.batched >= max_batch ||
        natsSubscription_GetPending(sub, &queued, &queued_bytes) != NATS_OK || queued == 0) {
        ctx.batch.flush();
        ctx.batched = 0;
    }
}

void on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* closure) {
    auto* ctx = static_cast<callback_context*>(closure);
    const auto consumed_at = std::chrono::steady_clock::now();
    const char* subject = natsMsg_GetSubject(msg);
    std::vector<cloudevents::message_header> headers;
    const char** keys = nullptr;
    int count = 0;
    if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
        for (int i = 0; i < count; ++i) {
            const char* value = nullptr;
            if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value != nullptr) {
                headers.push_back({keys[i], value});
            }
        }
    }
    const std::string_view body(natsMsg_GetData(msg),
                                static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    auto parsed =
        cloudevents::parse_message(headers, cloudevents::binding::nats, body, core::rfc3339_now());
    auto& counter = ctx->status->counter(subject);
    counter.count(parsed.has_value());
    if (parsed) {
        ctx->batch.sink().trace(*parsed, "nats");
        ctx->batch.add(std::move(*parsed));
        ++ctx->batched;
    }
    flush_unless_more_queued(sub, *ctx);
    counter.processing.observe(micros_since(consumed_at));
    if (!parsed) {
        bad_message_log.info_with(
            {{"event", "bad_message"}, {"source", "nats"}, {"subject", subject}},
            "nats: skipping a message on {}: {}", subject, parsed.error().message);
    }
    free(static_cast<void*>(keys));
    natsMsg_Destroy(msg);
}

void on_connected(natsConnection*, void* closure) {
    static_cast<source_status*>(closure)->set_connected(true);
    log::info("nats: connected");
}

void on_disconnected(natsConnection*, void* closure) {
    static_cast<source_status*>(closure)->set_connected(false, "disconnected; reconnecting");
    log::warn("nats: disconnected; reconnecting");
}

// cnats's closed callback: the last one for a connection (its callback thread runs them in
// order), so once it ran no disconnected or reconnected callback can still use the status.
struct closed_signal {
    std::mutex mutex;
    std::condition_variable cv;
    bool closed = false;
};

void on_closed(natsConnection*, void* closure) {
    auto* c = static_cast<closed_signal*>(closure);
    // Notified under the lock: the destructor destroys the cv once it sees the flag.
    std::lock_guard lock(c->mutex);
    c->closed = true;
    c->cv.notify_all();
}

}  // namespace

struct nats_source::handles {
    std::vector<std::unique_ptr<callback_context>> contexts;  // one per subscription
    closed_signal closed;
    completed_subscriptions completed;
    natsOptions* opts = nullptr;
    natsConnection* conn = nullptr;
    std::vector<natsSubscription*> subs;

    handles() = default;
    handles(const handles&) = delete;
    handles& operator=(const handles&) = delete;

    ~handles() {
        for (auto* s : subs) {
            natsSubscription_Unsubscribe(s);
        }
        if (conn != nullptr) {
            // Closing also closes any subscription the unsubscribe could not (a connection
            // that is down).
            natsConnection_Close(conn);
            // cnats calls back on threads of its own after these return: wait for the closed
            // callback (the connection's last) and for each subscription's last message
            // handler, or they would use the source's status after the node destroyed it
            // (ThreadSanitizer: heap-use-after-free and a data race in test_nats).
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            std::unique_lock lock(closed.mutex);
            closed.cv.wait_until(lock, deadline, [&] { return closed.closed; });
            lock.unlock();
            std::unique_lock done(completed.mutex);
            completed.cv.wait_until(done, deadline, [&] { return completed.count == subs.size(); });
        }
        for (auto* s : subs) {
            natsSubscription_Destroy(s);
        }
        if (conn != nullptr) {
            natsConnection_Destroy(conn);
        }
        natsOptions_Destroy(opts);
    }
};

nats_source::nats_source(nats_options options, const ingest& sink, source_status& status)
    : options_(std::move(options)), sink_(sink), status_(status), handles_(new handles) {
    std::vector<const char*> servers;
    for (const auto& s : options_.servers) {
        servers.push_back(s.c_str());
    }
    natsOptions_Create(&handles_->opts);
    natsOptions* o = handles_->opts;
    natsOptions_SetServers(o, servers.data(), static_cast<int>(servers.size()));
    natsOptions_SetName(o, "rig");
    natsOptions_SetMaxReconnect(o, -1);
    natsOptions_SetReconnectWait(o, 500);
    natsOptions_SetReconnectBufSize(o, 8 * 1024 * 1024);
    natsOptions_SetDisconnectedCB(o, on_disconnected, &status_);
    natsOptions_SetReconnectedCB(o, on_connected, &status_);
    natsOptions_SetClosedCB(o, on_closed, &handles_->closed);
    // Keep trying in the background when no server answers at start.
    natsOptions_SetRetryOnFailedConnect(o, true, on_connected, &status_);
    const natsStatus s = natsConnection_Connect(&handles_->conn, o);
    if (s == NATS_OK) {
        status_.set_connected(true);
        log::info("nats: connected");
    } else if (s == NATS_NOT_YET_CONNECTED) {
        status_.set_connected(false, "connecting");
        log::warn("nats: no server answers yet; connecting in the background");
    } else {
        status_.set_connected(false, natsStatus_GetText(s));
        log::error("nats: cannot connect: {}", natsStatus_GetText(s));
        return;
    }
    for (const auto& topic : options_.topics) {
        natsSubscription* sub = nullptr;
        auto& context = handles_->contexts.emplace_back(
            std::make_unique<callback_context>(sink_, status_, handles_->completed));
        const natsStatus ss =
            natsConnection_QueueSubscribe(&sub, handles_->conn, topic.c_str(),
                                          options_.queue_group.c_str(), on_message, context.get());
        if (ss == NATS_OK) {
            natsSubscription_SetPendingLimits(sub, 1'000'000, 1 << 30);
            natsSubscription_SetOnCompleteCB(sub, on_subscription_complete, context.get());
            handles_->subs.push_back(sub);
        } else {
            log::error("nats: cannot subscribe to {}: {}", topic, natsStatus_GetText(ss));
        }
    }
}

nats_source::~nats_source() = default;

}  // namespace rig::sources
