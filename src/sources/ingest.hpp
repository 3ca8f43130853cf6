#pragma once

#include "cloudevents/cloud_event.hpp"
#include "hub/hub.hpp"
#include "subscription/extractors.hpp"

namespace rig::sources {

// Where broker consumers hand their events: builds the shared event (only if some shard may
// want it) and publishes it to the shards.
//
// @par Thread safety
// Immutable; publish() may be called from any thread (broker client threads).
class ingest {
public:
    ingest(const hub::hub& hub, const subscription::extractors& extractors)
        : hub_(hub), extractors_(extractors) {}

    // One event (NATS delivers them one by one). Like a batch, it waits while a shard has
    // its window of posts queued (hub::publish_batch), so a fast subject cannot grow the
    // shards' queues without bound.
    void publish(cloudevents::cloud_event&& ev) const {
        if (!hub_.may_match(ev.type)) {
            hub_.count_unmatched();
            return;
        }
        hub_.publish_batch({hub::make_published_event(std::move(ev), extractors_)});
    }

    // Collects events and publishes them together (one post per shard per batch).
    class batch {
    public:
        explicit batch(const ingest& sink) : sink_(sink) {}
        void add(cloudevents::cloud_event&& ev) {
            if (!sink_.hub_.may_match(ev.type)) {
                sink_.hub_.count_unmatched();
                return;
            }
            events_.push_back(hub::make_published_event(std::move(ev), sink_.extractors_));
        }
        void flush() {
            if (!events_.empty()) {
                sink_.hub_.publish_batch(events_);
                events_.clear();
            }
        }

    private:
        const ingest& sink_;
        std::vector<hub::event_ptr> events_;
    };

private:
    const hub::hub& hub_;
    const subscription::extractors& extractors_;
};

}  // namespace rig::sources
