#pragma once

#include <optional>

#include "cloudevents/cloud_event.hpp"
#include "hub/hub.hpp"
#include "sources/event_relay.hpp"
#include "subscription/extractors.hpp"
#include "tracing/tracer.hpp"

namespace rig::sources {

// Where broker consumers hand their events: builds the shared event (only if some shard may
// want it, or history keeps it) and publishes it to the shards. In a cluster (`relay` set) the
// events go to the backplane instead, which brings them back to every node's own ingest (one
// without a relay).
//
// @par Thread safety
// Immutable; publish() may be called from any thread (broker client threads).
class ingest {
public:
    ingest(const hub::hub& hub, const subscription::extractors& extractors,
           event_relay* relay = nullptr, const tracing::tracer* tracer = nullptr)
        : hub_(hub), extractors_(extractors), relay_(relay), tracer_(tracer) {}

    // For the broker sources, before they hand an event over: an event carrying a valid
    // `traceparent` gets rig's span in it (spec §11.3); any other is not touched. Not done by
    // publish()/add(), which also carry events back from the cluster backplane (already
    // traced where they entered).
    void trace(cloudevents::cloud_event& ev, std::string_view source) const {
        if (tracer_ != nullptr) {
            tracer_->continue_event(ev, source);
        }
    }

    // One event (NATS delivers them one by one). Like a batch, it waits while a shard has
    // its window of posts queued (hub::publish_batch), so a fast subject cannot grow the
    // shards' queues without bound.
    void publish(cloudevents::cloud_event&& ev) const {
        if (relay_ != nullptr) {
            relay_batch one(*relay_);
            one.add(ev.json);
            one.flush();
            return;
        }
        if (auto e = make(std::move(ev))) {
            hub_.publish_batch({std::move(e)});
        }
    }

    // Collects events and publishes them together (one post per shard per batch).
    class batch {
    public:
        explicit batch(const ingest& sink) : sink_(sink) {
            if (sink_.relay_ != nullptr) {
                relayed_.emplace(*sink_.relay_);
            }
        }
        void add(cloudevents::cloud_event&& ev) {
            if (relayed_) {
                relayed_->add(ev.json);
                return;
            }
            if (auto e = sink_.make(std::move(ev))) {
                events_.push_back(std::move(e));
            }
        }
        const ingest& sink() const { return sink_; }

        void flush() {
            if (relayed_) {
                relayed_->flush();
            }
            if (!events_.empty()) {
                sink_.hub_.publish_batch(events_);
                events_.clear();
            }
        }

    private:
        const ingest& sink_;
        std::vector<hub::event_ptr> events_;
        std::optional<relay_batch> relayed_;  // with a relay
    };

private:
    // The shared event, framed if some shard may want it; null (counted as unmatched) when
    // nobody does and no history keeps it. A type nobody subscribes to is dropped before its
    // fields are read.
    hub::event_ptr make(cloudevents::cloud_event&& ev) const {
        const bool history = hub_.keeps_history();
        if (!history && !hub_.may_match(ev.type)) {
            hub_.count_unmatched();
            return nullptr;
        }
        auto e = hub_.make_event(std::move(ev), extractors_);
        if (!history && !e->framed()) {
            hub_.count_unmatched();
            return nullptr;
        }
        return e;
    }

    const hub::hub& hub_;
    const subscription::extractors& extractors_;
    event_relay* relay_;
    const tracing::tracer* tracer_;
};

}  // namespace rig::sources
