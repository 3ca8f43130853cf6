#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

#include "admin/dashboard_snapshot.hpp"
#include "http/exchange.hpp"
#include "http/session_tracker.hpp"
#include "net/asio.hpp"

namespace rig::admin {

struct dashboard_options {
    std::size_t max_streams = 16;  // RIG_DASHBOARD_MAX_STREAMS: open streams (503 beyond)
    std::chrono::milliseconds interval{1000};  // between two snapshots of a stream
};

// The live dashboard's streams (GET :4010/dashboard/stream): Server-Sent Events, each message
// `event: snapshot` with one JSON snapshot (dashboard_sampler) — the first at once, then one
// per interval. The counters are read by a timer on the internal API's shard, never on the
// shards' delivery path. What the client sends is discarded; its end ends the stream.
//
// Bounded: at most max_streams are open at once; beyond, 503 with a JSON error. A drain of the
// shard (the node stops) ends every stream cleanly.
//
// Owned by app::node, outlives the streams (the shard's io_context goes first).
//
// @par Thread safety
// Used only on the shard that serves the internal API, whose session tracker is `sessions`.
class dashboard_streams {
public:
    using reader = std::function<dashboard_counters()>;

    dashboard_streams(dashboard_options options, reader read, http::session_tracker& sessions);
    dashboard_streams(const dashboard_streams&) = delete;
    dashboard_streams& operator=(const dashboard_streams&) = delete;
    ~dashboard_streams() = default;

    // Takes the exchange's response over as a stream running on `executor` (nullopt), or
    // refuses it: 503 when max_streams are open or the shard drains.
    std::optional<http::response> open(http::exchange& ex, const asio::any_io_executor& executor);

    std::size_t open_streams() const { return open_; }

private:
    class stream;

    dashboard_options options_;
    reader read_;
    http::session_tracker& sessions_;
    std::size_t open_ = 0;
};

}  // namespace rig::admin
