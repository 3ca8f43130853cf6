#include "delivery_stats.hpp"

#include <charconv>
#include <ctime>

namespace rig::bench {
namespace {

// Finds `"key":<digits>` in text.
bool find_number(std::string_view text, std::string_view key, uint64_t& out) {
    const auto pos = text.find(key);
    if (pos == std::string_view::npos) {
        return false;
    }
    const char* p = text.data() + pos + key.size();
    const char* end = text.data() + text.size();
    while (p < end && (*p == ' ' || *p == '"')) {
        ++p;
    }
    return std::from_chars(p, end, out).ec == std::errc{};
}

}  // namespace

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

bool delivery_stats::record(std::string_view event_json, int64_t& last_seq) {
    uint64_t seq = 0, ts = 0;
    if (!find_number(event_json, "\"seq\":", seq) || !find_number(event_json, "\"ts\":", ts)) {
        return false;
    }
    ++delivered;
    bytes += event_json.size();
    const uint64_t now = now_ns();
    hist.record_us(now > ts ? (now - ts) / 1000 : 0);
    if (static_cast<int64_t>(seq) <= last_seq) {
        ++out_of_order;
    } else {
        last_seq = static_cast<int64_t>(seq);
    }
    return true;
}

}  // namespace rig::bench
