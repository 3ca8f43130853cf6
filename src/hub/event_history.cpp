#include "hub/event_history.hpp"

namespace rig::hub {

std::size_t event_history::footprint(const published_event& e) {
    return sizeof(published_event) + sizeof(entry) + 32 /* shared_ptr control block */ +
           e.type().capacity() + e.id().capacity() + e.sse_chunk_estimate() + e.ws_frame().size();
}

void event_history::append(std::span<const event_ptr> events) {
    const auto now = clock::now();
    const std::lock_guard lock(mutex_);
    for (const auto& e : events) {
        e->seq_ = next_seq_++;
        if (limits_.max_events == 0) {
            continue;
        }
        const std::size_t bytes = footprint(*e);
        entries_.push_back({e, now, bytes});
        bytes_ += bytes;
    }
    evict(now);
}

void event_history::evict(clock::time_point now) {
    const auto oldest = now - limits_.ttl;
    while (!entries_.empty() && (entries_.size() > limits_.max_events ||
                                 bytes_ > limits_.max_bytes || entries_.front().at < oldest)) {
        bytes_ -= entries_.front().bytes;
        entries_.pop_front();
    }
}

event_history::snapshot event_history::after(std::string_view cursor) const {
    snapshot out;
    const auto oldest = clock::now() - limits_.ttl;
    const std::lock_guard lock(mutex_);
    out.newest = next_seq_ - 1;
    // The most recent occurrence of the id: search from the newest end.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->at < oldest) {
            break;  // expired (not evicted yet: nothing was appended since)
        }
        if (it->event->id() == cursor) {
            out.found = true;
            out.events.reserve(static_cast<std::size_t>(it - entries_.rbegin()));
            for (auto fwd = it.base(); fwd != entries_.end(); ++fwd) {
                out.events.push_back(fwd->event);
            }
            break;
        }
    }
    return out;
}

event_history::stats event_history::current() const {
    const std::lock_guard lock(mutex_);
    return {entries_.size(), bytes_};
}

}  // namespace rig::hub
