#include "cluster/event_backplane.hpp"

#include <nats/nats.h>

#include <limits>

#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::cluster {
namespace {

log::rate_limited bad_message_log{5};

void message_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<event_backplane*>(closure)->on_message(std::string_view(
        natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
}

}  // namespace

event_backplane::event_backplane(nats_link& link, const cluster_options& options,
                                 const sources::ingest& local)
    : link_(link), options_(options), local_(local), subject_(options.prefix + ".events") {}

event_backplane::~event_backplane() {
    stop();
}

void event_backplane::start() {
    if (auto error = sub_.open(link_.connection(), subject_, message_cb, this); !error.empty()) {
        throw std::runtime_error("cluster: cannot subscribe to " + subject_ + ": " + error);
    }
    // A node far behind is dropped from, not waited for, by NATS: a generous buffer first.
    natsSubscription_SetPendingLimits(sub_.native(), 4'000'000, std::numeric_limits<int>::max());
    if (link_.connected()) {
        natsConnection_FlushTimeout(link_.connection(), options_.timeout.count());
    }
    acknowledger_ = core::named_thread("rig-cluster-ack", [this] { acknowledge_loop(); });
}

void event_backplane::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
    }
    wake_.notify_all();
    if (acknowledger_.joinable()) {
        acknowledger_.join();
    }
    sub_.close();
    for (auto& w : waiting_) {
        w(false);
    }
    waiting_.clear();
}

void event_backplane::relay(std::string_view events, std::function<void(bool)> committed) {
    // A publisher waiting for its answer is told at once that the backplane is away, rather
    // than having its events parked in the reconnect buffer and sent later, after its 503.
    if (committed && !link_.connected()) {
        unacknowledged_.fetch_add(1, std::memory_order_relaxed);
        committed(false);
        return;
    }
    const natsStatus s = natsConnection_Publish(link_.connection(), subject_.c_str(), events.data(),
                                                static_cast<int>(events.size()));
    if (s != NATS_OK) {
        unacknowledged_.fetch_add(1, std::memory_order_relaxed);
        bad_message_log.info("cluster: cannot publish events: {}", natsStatus_GetText(s));
        if (committed) {
            committed(false);
        }
        return;
    }
    relayed_.fetch_add(1, std::memory_order_relaxed);
    if (committed) {
        std::unique_lock lock(mutex_);
        if (stopping_) {
            lock.unlock();
            committed(false);
            return;
        }
        waiting_.push_back(std::move(committed));
    }
    wake_.notify_one();
}

void event_backplane::acknowledge_loop() {
    std::vector<std::function<void(bool)>> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
            if (stopping_) {
                return;
            }
            batch.swap(waiting_);
        }
        // Everything in `batch` was published before this PING: its PONG acknowledges all.
        const natsStatus s =
            natsConnection_FlushTimeout(link_.connection(), options_.timeout.count());
        if (s != NATS_OK) {
            unacknowledged_.fetch_add(batch.size(), std::memory_order_relaxed);
            bad_message_log.info("cluster: the NATS server did not acknowledge {} relay(s): {}",
                                 batch.size(), natsStatus_GetText(s));
        }
        for (auto& done : batch) {
            done(s == NATS_OK);
        }
        batch.clear();
    }
}

void event_backplane::on_message(std::string_view payload) {
    received_.fetch_add(1, std::memory_order_relaxed);
    auto events = cloudevents::parse_batch(payload, core::rfc3339_now(),
                                           std::numeric_limits<std::size_t>::max());
    if (!events) {
        bad_message_log.info("cluster: skipping an unreadable backplane message: {}",
                             events.error().message);
        return;
    }
    sources::ingest::batch out(local_);
    for (auto& ev : *events) {
        out.add(std::move(ev));
    }
    out.flush();
}

uint64_t event_backplane::dropped() const {
    int64_t dropped = 0;
    if (sub_.native() != nullptr) {
        natsSubscription_GetDropped(sub_.native(), &dropped);
    }
    return static_cast<uint64_t>(dropped);
}

}  // namespace rig::cluster
