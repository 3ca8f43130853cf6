#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <semaphore>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hub/event_history.hpp"
#include "hub/forwarded_types.hpp"
#include "hub/published_event.hpp"
#include "hub/shard_hub.hpp"
#include "net/shard_pool.hpp"

namespace rig::hub {

// The node-wide entry point for events: hands one shared event to every shard.
//
// @par Thread safety
// publish() may be called from any thread (shards, broker client threads). The shard list is
// fixed before the first publish.
class hub {
public:
    // How many publish_batch() posts may wait in one shard's queue; a broker thread that
    // would exceed it waits. Without this bound a consumer faster than the shards' matching
    // grew their queues without limit (memory, and every request on those shards waited
    // behind them). Set before the first add_shard().
    void set_batch_window(std::ptrdiff_t batches) { batch_window_ = batches; }

    // Every published event is numbered and kept there (resume after a reconnect). Set
    // before the first publish; may stay unset (tests).
    void set_history(event_history* history) { history_ = history; }
    const event_history* history() const { return history_; }
    // Whether every event must be built and published, wanted or not (it is kept).
    bool keeps_history() const { return history_ != nullptr && history_->enabled(); }

    // How many distinct event types rig_consumed_events_forwarded_total labels
    // (RIG_METRICS_MAX_EVENT_TYPES; later types count under forwarded_types::overflow_label).
    // Set before the first add_shard().
    void set_max_event_types(std::size_t n) { max_event_types_ = n; }
    // The labelled types, null before the first add_shard().
    const forwarded_types* forwarded() const { return forwarded_.get(); }
    // Events forwarded per labelled type, summed over shards, in label order; the overflow
    // label last when anything counted under it. Any thread (reads relaxed counters).
    std::vector<std::pair<std::string, uint64_t>> forwarded_totals() const {
        std::vector<std::pair<std::string, uint64_t>> out;
        if (!forwarded_) {
            return out;
        }
        const auto sum = [&](std::size_t id) {
            uint64_t total = 0;
            for (const auto& s : shards_) {
                if (const auto* f = s.hub->forwarded()) {
                    total += f->read(id);
                }
            }
            return total;
        };
        std::vector<std::string> names = forwarded_->names();
        for (std::size_t id = 0; id < names.size(); ++id) {
            out.emplace_back(std::move(names[id]), sum(id));
        }
        if (const uint64_t other = sum(forwarded_->capacity()); other > 0) {
            out.emplace_back(std::string(forwarded_types::overflow_label), other);
        }
        return out;
    }

    // Shards are added in shard-index order (the order of net::shard_pool).
    void add_shard(boost::asio::any_io_executor executor, shard_hub& shard) {
        if (!forwarded_) {
            forwarded_ = std::make_unique<forwarded_types>(max_event_types_);
        }
        shard.set_forwarded_types(*forwarded_);
        shards_.push_back({std::move(executor), &shard,
                           std::make_unique<std::counting_semaphore<>>(batch_window_)});
    }

    // Hands the event to every shard that may have a subscriber for it (interest_map); each
    // matches it against its own index. Called on a
    // shard thread, that shard delivers at once and the others get a post; so once publish()
    // returns (and the publisher is answered), no later event can overtake this one on any
    // shard. (A post to the calling shard itself would sit in the thread's private queue
    // until the current handler returns, where a post from another shard could pass it.)
    void publish(const event_ptr& event) const { publish(std::span<const event_ptr>(&event, 1)); }

    // The same for several events, in order: one post per interested shard carries all of
    // them. Never blocks (the publisher is a shard: back-pressure is its client's request).
    void publish(std::span<const event_ptr> events) const {
        if (events.empty()) {
            return;
        }
        stamp(events);
        // Numbered before any shard can see them (and before interest is looked up: a
        // connection that resumes after this sees the events in its snapshot or live).
        if (history_ != nullptr) {
            history_->append(events);
        }
        std::vector<event_ptr> with_frames;
        events = framed_where_wanted(events, with_frames);
        published_.fetch_add(events.size(), std::memory_order_relaxed);
        const int here = net::shard_pool::current();
        for (std::size_t i = 0; i < shards_.size(); ++i) {
            if (static_cast<int>(i) != here) {
                post_to(shards_[i], events);
            }
        }
        if (here >= 0 && static_cast<std::size_t>(here) < shards_.size()) {
            shard_hub* h = shards_[static_cast<std::size_t>(here)].hub;
            for (const auto& e : events) {
                if (wants(*h, *e)) {
                    h->deliver(e);
                }
            }
        }
    }

    // Publishes several events from a thread that is not a shard (a broker consumer): one post
    // per interested shard carries all of them, in order, instead of one post per event.
    // Blocks while a shard already has its window of batches queued (back-pressure on the
    // broker client), so it must never be called on a shard thread.
    void publish_batch(const std::vector<event_ptr>& batch) const {
        stamp(batch);
        if (history_ != nullptr) {
            history_->append(batch);
        }
        std::vector<event_ptr> with_frames;
        const std::span<const event_ptr> events = framed_where_wanted(batch, with_frames);
        published_.fetch_add(events.size(), std::memory_order_relaxed);
        for (const auto& s : shards_) {
            std::vector<event_ptr> wanted = wanted_by(*s.hub, events);
            if (!wanted.empty()) {
                if (!s.window->try_acquire()) {
                    batch_waits_.fetch_add(1, std::memory_order_relaxed);
                    s.window->acquire();
                }
                boost::asio::post(s.executor,
                                  [h = s.hub, w = s.window.get(), batch = std::move(wanted)] {
                                      for (const auto& e : batch) {
                                          h->deliver(e);
                                      }
                                      w->release();
                                  });
            }
        }
    }

    // May any shard have a subscriber for `type`? When not, publishing can skip building the
    // event's wire forms (count_unmatched() still counts it).
    bool may_match(std::string_view type) const {
        for (const auto& s : shards_) {
            if (s.hub->may_match(type)) {
                return true;
            }
        }
        return false;
    }
    // May any shard have a subscriber for this very event (its type and field values)?
    bool may_want(const published_event& e) const {
        for (const auto& s : shards_) {
            if (s.hub->may_want(e)) {
                return true;
            }
        }
        return false;
    }
    void count_unmatched() const { published_.fetch_add(1, std::memory_order_relaxed); }

    // The shared event for `ev`, with its wire forms only if some shard may want it by its
    // type and field values (the fields are read first); the caller has seen may_match() or
    // keeps_history(). An unframed result that no history keeps is wanted nowhere: drop it
    // and count_unmatched().
    event_ptr make_event(cloudevents::cloud_event&& ev,
                         const subscription::extractors& extractors) const {
        auto e = std::make_shared<published_event>(std::move(ev), extractors,
                                                   published_event::unframed_t{});
        if (may_want(*e)) {
            e->frame();
        }
        return e;
    }

    uint64_t published() const { return published_.load(std::memory_order_relaxed); }
    // How often publish_batch() had to wait for a shard to work off its window.
    uint64_t batch_waits() const { return batch_waits_.load(std::memory_order_relaxed); }
    std::size_t shard_count() const { return shards_.size(); }
    shard_hub& shard(std::size_t i) const { return *shards_[i].hub; }

private:
    // Sets the publish time, one clock read per call: before the history or a shard sees them.
    static void stamp(std::span<const event_ptr> events) {
        const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
        for (const auto& e : events) {
            e->set_published_at(now);
        }
    }

    // Events built without wire forms (nobody wanted them then; the history keeps them) get
    // them if a shard wants them now: `events` itself when none needs it, else the events
    // with framed copies, in `storage`. Those still unframed afterwards are wanted nowhere:
    // the shard loops skip them without looking up interest again.
    std::span<const event_ptr> framed_where_wanted(std::span<const event_ptr> events,
                                                   std::vector<event_ptr>& storage) const {
        bool needed = false;
        for (const auto& e : events) {
            needed = needed || (!e->framed() && may_want(*e));
        }
        if (!needed) {
            return events;
        }
        storage.reserve(events.size());
        for (const auto& e : events) {
            storage.push_back(!e->framed() && may_want(*e) ? framed(e) : e);
        }
        return storage;
    }

    struct entry {
        boost::asio::any_io_executor executor;
        shard_hub* hub;
        std::unique_ptr<std::counting_semaphore<>> window;  // free slots for queued batches
    };

    // Whether shard `h` gets `e`: framed (wanted somewhere) and maybe wanted there.
    static bool wants(const shard_hub& h, const published_event& e) {
        return e.framed() && h.may_want(e);
    }

    static std::vector<event_ptr> wanted_by(const shard_hub& h, std::span<const event_ptr> events) {
        std::vector<event_ptr> wanted;
        for (const auto& e : events) {
            if (wants(h, *e)) {
                wanted.push_back(e);
            }
        }
        return wanted;
    }

    // One post to another shard with the events it wants, if any (one event: no vector).
    static void post_to(const entry& s, std::span<const event_ptr> events) {
        shard_hub* h = s.hub;
        if (events.size() == 1) {
            if (wants(*h, *events[0])) {
                boost::asio::post(s.executor, [h, e = events[0]] { h->deliver(e); });
            }
            return;
        }
        std::vector<event_ptr> wanted = wanted_by(*h, events);
        if (!wanted.empty()) {
            boost::asio::post(s.executor, [h, batch = std::move(wanted)] {
                for (const auto& e : batch) {
                    h->deliver(e);
                }
            });
        }
    }

    std::ptrdiff_t batch_window_ = 16;
    std::size_t max_event_types_ = 100;
    std::unique_ptr<forwarded_types> forwarded_;
    event_history* history_ = nullptr;
    std::vector<entry> shards_;
    mutable std::atomic<uint64_t> published_{0};
    mutable std::atomic<uint64_t> batch_waits_{0};
};

}  // namespace rig::hub
