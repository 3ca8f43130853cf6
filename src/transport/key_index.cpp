#include "transport/key_index.hpp"

namespace rig::transport {

namespace {
constexpr std::size_t first_size = 64;
}  // namespace

void key_index::catch_up(std::span<const core::frame> frames) {
    for (std::size_t pos = indexed_; pos < frames.size(); ++pos) {
        if (frames[pos].key == nullptr) {
            continue;
        }
        if ((used_ + 1) * 2 > slots_.size()) {
            grow(frames);
        }
        place(frames, pos);
    }
    indexed_ = frames.size();
}

std::size_t key_index::find(std::span<const core::frame> frames,
                            const core::conflation_key& key) const {
    if (slots_.empty()) {
        return npos;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = key.hash & mask; slots_[i] != 0; i = (i + 1) & mask) {
        const std::size_t pos = slots_[i] - 1;
        if (*frames[pos].key == key) {
            return pos;
        }
    }
    return npos;
}

void key_index::place(std::span<const core::frame> frames, std::size_t pos) {
    const core::conflation_key& key = *frames[pos].key;
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = key.hash & mask;
    while (slots_[i] != 0) {
        if (*frames[slots_[i] - 1].key == key) {
            slots_[i] = static_cast<uint32_t>(pos + 1);  // a newer frame with the same key
            return;
        }
        i = (i + 1) & mask;
    }
    slots_[i] = static_cast<uint32_t>(pos + 1);
    ++used_;
}

void key_index::grow(std::span<const core::frame> frames) {
    std::vector<uint32_t> old(slots_.empty() ? first_size : slots_.size() * 2, 0);
    old.swap(slots_);
    used_ = 0;
    for (const uint32_t s : old) {
        if (s != 0) {
            place(frames, s - 1);
        }
    }
}

}  // namespace rig::transport
