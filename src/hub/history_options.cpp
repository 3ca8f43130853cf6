#include "hub/history_options.hpp"

namespace rig::hub {

core::result<event_history::limits> parse_history_limits(const core::env& env) {
    event_history::limits h;
    if (auto e = env.read_uint("RIG_HISTORY_SIZE", h.max_events, 0, 100'000'000,
                               "expected an event count (0 turns history off)")) {
        return *e;
    }
    auto ttl = static_cast<uint64_t>(h.ttl.count());
    if (auto e = env.read_uint("RIG_HISTORY_TTL_S", ttl, 1, uint64_t{86'400} * 7,
                               "expected seconds (1-604800)")) {
        return *e;
    }
    h.ttl = std::chrono::seconds(ttl);
    if (auto e = env.read_uint("RIG_HISTORY_MAX_BYTES", h.max_bytes, 1024, 1ULL << 40,
                               "expected a size in bytes (at least 1024)")) {
        return *e;
    }
    return h;
}

}  // namespace rig::hub
