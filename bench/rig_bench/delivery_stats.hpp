#pragma once

#include <cstdint>
#include <string_view>

#include "histogram.hpp"

namespace rig::bench {

// What one subscriber process saw of the published events since the last reset: how many
// arrived, how many bytes of event JSON they carried, how many came out of order, and the
// publish → receive latency. Owned by the worker; used only on its (single) thread, shared by
// every subscriber of the process whatever its protocol (SSE over HTTP/1.1 or HTTP/2,
// WebSocket).
struct delivery_stats {
    uint64_t delivered = 0;
    uint64_t bytes = 0;  // event JSON (the SSE data / WebSocket payload), not framing
    uint64_t out_of_order = 0;
    histogram hist;

    void reset() { *this = delivery_stats(); }

    // Records one event the server delivered: its JSON must carry `"seq":<n>` and
    // `"ts":<monotonic ns at publish>` (anything else, e.g. rig's own events, is ignored).
    // `last_seq` is the subscriber's, for loss/order. False if it was not a benchmark event.
    bool record(std::string_view event_json, int64_t& last_seq);
};

uint64_t now_ns();

}  // namespace rig::bench
