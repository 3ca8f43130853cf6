#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/frame.hpp"

namespace rig::transport {

// Where a lagging frame_queue's waiting frames are, by conflation key: the position of the
// newest waiting frame per key, so that conflating an event costs a hash lookup rather than a
// walk over the queue. A frame_queue builds one only once it is past half its bound with a
// keyed frame to place, and drops it when its waiting frames leave (a write begins), so a
// client that keeps up never has one. Open addressing over positions: one array of 4-byte
// slots, at most half full, no allocation per entry.
//
// @par Thread safety
// Part of one frame_queue; used only on its shard.
class key_index {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Indexes the frames appended since the last call (`frames` only grows between the
    // index's creation and its end; a frame replaced in place keeps its key and position).
    void catch_up(std::span<const core::frame> frames);

    // The position of the newest indexed frame with `key`, or npos.
    std::size_t find(std::span<const core::frame> frames, const core::conflation_key& key) const;

private:
    void place(std::span<const core::frame> frames, std::size_t pos);
    void grow(std::span<const core::frame> frames);

    std::vector<uint32_t> slots_;  // position + 1; 0 is empty
    std::size_t used_ = 0;
    std::size_t indexed_ = 0;
};

}  // namespace rig::transport
