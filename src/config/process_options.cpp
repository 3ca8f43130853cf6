#include "config/process_options.hpp"

#include <algorithm>
#include <thread>

#include "core/json_setting.hpp"
#include "core/text.hpp"
#include "http/client_tls.hpp"

namespace rig::config {

std::optional<log::format> parse_log_format(std::string_view raw) {
    const std::string f = core::lower(core::trim(raw));
    if (f == "erlang") {
        return log::format::erlang;
    }
    if (f == "json") {
        return log::format::json;
    }
    if (f == "gcl") {
        return log::format::gcl;
    }
    return std::nullopt;
}

namespace {

std::optional<log::level> parse_log_level(std::string_view raw) {
    const std::string l = core::lower(raw);
    if (l == "debug") {
        return log::level::debug;
    }
    if (l == "info") {
        return log::level::info;
    }
    if (l == "warn" || l == "warning") {
        return log::level::warn;
    }
    if (l == "error") {
        return log::level::error;
    }
    return std::nullopt;
}

}  // namespace

std::optional<core::error> read_process_options(const core::env& env, node_options& o) {
    o.shards = std::max(1u, std::thread::hardware_concurrency());
    if (auto e = env.read_uint("RIG_SHARDS", o.shards, 1, 256, "expected a shard count (1-256)")) {
        return e;
    }
    if (env.get("RIG_MAX_CONNECTIONS")) {
        std::size_t cap = 0;
        if (auto e = env.read_uint("RIG_MAX_CONNECTIONS", cap, 0, 100'000'000,
                                   "expected a connection count (0 = no cap)")) {
            return e;
        }
        o.max_connections = cap;
    }
    if (auto e = env.read_ms("RIG_DRAIN_TIMEOUT_MS", o.drain_timeout, 0)) {
        return e;
    }
    if (auto v = env.get("LOG_LEVEL")) {
        const auto level = parse_log_level(*v);
        if (!level) {
            return core::bad_setting("LOG_LEVEL", "expected debug, info, warn or error",
                                     *env.raw("LOG_LEVEL"));
        }
        o.log_level = *level;
    }
    if (auto v = env.get("LOG_FMT")) {
        const auto f = parse_log_format(*v);
        if (!f) {
            return core::bad_setting("LOG_FMT", "expected erlang, json or gcl",
                                     *env.raw("LOG_FMT"));
        }
        o.log_format = *f;
    }
    if (auto v = env.raw("NODE_COOKIE"); v && !v->empty()) {
        o.node_cookie = *v;
    }
    if (auto v = env.raw("RIG_READY_FILE"); v && !v->empty()) {
        o.ready_file = *v;
    }
    if (auto v = env.get("RIG_TLS_CA_FILE")) {
        o.tls_ca_file = *v;
        // Loaded here once only to refuse a bad file at start-up; app loads it for use.
        if (auto tls = http::make_client_tls(o.tls_ca_file); !tls) {
            return core::bad_request("RIG_TLS_CA_FILE: " + tls.error().message);
        }
    }
    if (auto v = env.raw("RIG_API_KEY"); v && !v->empty()) {
        o.api_key = std::string(core::trim(*v));
    }
    if (auto e = env.read_uint("RIG_SOURCE_BATCH_WINDOW", o.source_batch_window, 1, 100'000,
                               "expected a number of batches (1-100000)")) {
        return e;
    }
    if (auto e = env.read_uint("RIG_MAX_BATCH_EVENTS", o.max_batch_events, 1, 1'000'000,
                               "expected an event count (1-1000000)")) {
        return e;
    }
    if (auto e = env.read_uint("RIG_DASHBOARD_MAX_STREAMS", o.dashboard_max_streams, 1, 10'000,
                               "expected a stream count (1-10000)")) {
        return e;
    }
    return std::nullopt;
}

std::optional<core::error> read_extractor_options(const core::env& env, node_options& o) {
    if (auto v = env.get("EXTRACTORS")) {
        const auto text = core::json_setting_text(*v);
        if (!text) {
            return core::bad_setting("EXTRACTORS",
                                     "expected JSON or the path of a readable JSON file",
                                     *env.raw("EXTRACTORS"));
        }
        auto ex = subscription::extractors::parse(*text);
        if (!ex) {
            return core::bad_request("EXTRACTORS: " + ex.error().message);
        }
        o.extractors = std::move(*ex);
    }
    if (auto v = env.get("RIG_CONFLATION_KEY")) {
        if (!subscription::is_json_pointer(*v)) {
            return core::bad_setting(
                "RIG_CONFLATION_KEY",
                "expected a JSON pointer such as /data/id (empty turns conflation off)",
                *env.raw("RIG_CONFLATION_KEY"));
        }
        o.extractors.set_conflation_pointer(*v);
    }
    return std::nullopt;
}

}  // namespace rig::config
