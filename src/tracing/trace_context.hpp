#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rig::tracing {

// One W3C Trace Context position (https://www.w3.org/TR/trace-context/): the trace, the span
// within it, and the trace flags. A plain value, used on any thread.
struct trace_context {
    std::array<uint8_t, 16> trace_id{};
    std::array<uint8_t, 8> span_id{};
    uint8_t flags = 0;

    bool sampled() const { return (flags & 0x01) != 0; }
};

// Parses a `traceparent` value: `00-<32 hex>-<16 hex>-<2 hex>`, lowercase, surrounding spaces
// and tabs ignored. Invalid (nullopt): version ff or not two lowercase hex digits, an all-zero
// trace or span id, wrong lengths or separators, and version 00 with anything after the flags.
// A later version may carry more fields after `-` (kept out; the first four are read).
std::optional<trace_context> parse_traceparent(std::string_view value);

// `00-<trace id>-<span id>-<flags>`, lowercase.
std::string format_traceparent(const trace_context& ctx);

// Lowercase hex of the ids.
std::string trace_id_hex(const trace_context& ctx);
std::string span_id_hex(const trace_context& ctx);

// A random span id that is never all zeros (core::random_u64).
std::array<uint8_t, 8> new_span_id();

// A new trace: random trace and span ids, with `flags`.
trace_context new_trace(uint8_t flags);

// The same trace and flags as `parent`, with a new span id: rig's own span below it.
trace_context child_of(const trace_context& parent);

// Whether a `tracestate` value may be passed on: at most `max_bytes`, printable ASCII
// (0x20-0x7e) only. Members are not validated one by one: rig passes the value as is.
bool passable_tracestate(std::string_view value, std::size_t max_bytes);

}  // namespace rig::tracing
