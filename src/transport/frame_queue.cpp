#include "transport/frame_queue.hpp"

#include <algorithm>

namespace rig::transport {

namespace {
// A burst can grow a queue's vectors; an idle connection gives the memory back.
constexpr std::size_t keep_capacity = 16;

void release_if_large(std::vector<core::frame>& v) {
    if (v.empty() && v.capacity() > keep_capacity) {
        std::vector<core::frame>().swap(v);
    }
}
}  // namespace

core::frame* frame_queue::find_same_key(const core::conflation_key& key) {
    if (index_ == nullptr) {
        index_ = std::make_unique<key_index>();
    }
    index_->catch_up(pending_);
    const std::size_t pos = index_->find(pending_, key);
    return pos == key_index::npos ? nullptr : &pending_[pos];
}

frame_queue::verdict frame_queue::push(core::frame f) {
    const std::size_t counted = pending_bytes_ - exempt_bytes_;
    // Not while a replay waits: its frames are neither counted nor replaced.
    if (f.key != nullptr && exempt_bytes_ == 0 && counted > max_bytes_ / 2) {
        if (core::frame* same = find_same_key(*f.key)) {
            const std::size_t bytes = pending_bytes_ - same->size() + f.size();
            if (bytes > max_bytes_) {
                return verdict::overflow;
            }
            pending_bytes_ = bytes;
            *same = std::move(f);
            return verdict::conflated;
        }
    }
    if (counted > 0 && counted + f.size() > max_bytes_) {
        return verdict::overflow;
    }
    pending_bytes_ += f.size();
    pending_.push_back(std::move(f));
    return verdict::queued;
}

void frame_queue::push_exempt(core::frame f) {
    pending_bytes_ += f.size();
    exempt_bytes_ += f.size();
    pending_.push_back(std::move(f));
}

std::size_t frame_queue::push_evicting(core::frame f, std::size_t max_frames) {
    std::size_t drop = 0;
    std::size_t bytes = pending_bytes_;
    while (drop < pending_.size() &&
           (pending_.size() - drop >= max_frames || bytes + f.size() > max_bytes_)) {
        bytes -= pending_[drop].size();
        ++drop;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(drop));
    index_.reset();  // positions moved
    pending_bytes_ = bytes + f.size();
    pending_.push_back(std::move(f));
    return drop;
}

std::span<const core::frame> frame_queue::begin_write() {
    writing_ = true;
    inflight_.swap(pending_);
    pending_bytes_ = 0;
    exempt_bytes_ = 0;
    index_.reset();
    return inflight_;
}

void frame_queue::end_write() {
    writing_ = false;
    inflight_.clear();
    release_if_large(inflight_);
}

void frame_queue::clear_pending() {
    pending_.clear();
    index_.reset();
    pending_bytes_ = 0;
    exempt_bytes_ = 0;
    release_if_large(pending_);
}

void frame_queue::clear() {
    std::vector<core::frame>().swap(pending_);
    index_.reset();
    if (!writing_) {
        std::vector<core::frame>().swap(inflight_);
    }
    pending_bytes_ = 0;
    exempt_bytes_ = 0;
}

}  // namespace rig::transport
