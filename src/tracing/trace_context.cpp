#include "tracing/trace_context.hpp"

#include <algorithm>
#include <string_view>

#include "core/random.hpp"

namespace rig::tracing {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

int lower_hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// Decodes exactly 2 * out.size() lowercase hex digits.
template <std::size_t N>
bool decode(std::string_view text, std::array<uint8_t, N>& out) {
    if (text.size() != 2 * N) {
        return false;
    }
    for (std::size_t i = 0; i < N; ++i) {
        const int hi = lower_hex_value(text[2 * i]);
        const int lo = lower_hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return true;
}

template <std::size_t N>
bool all_zero(const std::array<uint8_t, N>& a) {
    return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

template <std::size_t N>
std::string encode(const std::array<uint8_t, N>& a) {
    std::string out(2 * N, '0');
    for (std::size_t i = 0; i < N; ++i) {
        out[2 * i] = hex_digits[a[i] >> 4];
        out[2 * i + 1] = hex_digits[a[i] & 0x0f];
    }
    return out;
}

template <std::size_t N>
void fill_random(std::array<uint8_t, N>& a) {
    do {
        for (std::size_t i = 0; i < N; i += 8) {
            uint64_t r = core::random_u64();
            for (std::size_t j = i; j < std::min(N, i + 8); ++j) {
                a[j] = static_cast<uint8_t>(r);
                r >>= 8;
            }
        }
    } while (all_zero(a));
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

std::optional<trace_context> parse_traceparent(std::string_view value) {
    const std::string_view v = trim_ows(value);
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
    constexpr std::size_t length = 55;
    if (v.size() < length || v[2] != '-' || v[35] != '-' || v[52] != '-') {
        return std::nullopt;
    }
    std::array<uint8_t, 1> version{};
    std::array<uint8_t, 1> flags{};
    trace_context ctx;
    if (!decode(v.substr(0, 2), version) || version[0] == 0xff ||
        !decode(v.substr(3, 32), ctx.trace_id) || !decode(v.substr(36, 16), ctx.span_id) ||
        !decode(v.substr(53, 2), flags)) {
        return std::nullopt;
    }
    // Version 00 is exactly 55 characters; later versions may append "-..." fields.
    if (v.size() > length && (version[0] == 0 || v[length] != '-')) {
        return std::nullopt;
    }
    if (all_zero(ctx.trace_id) || all_zero(ctx.span_id)) {
        return std::nullopt;
    }
    ctx.flags = flags[0];
    return ctx;
}

std::string format_traceparent(const trace_context& ctx) {
    std::string out = "00-";
    out += encode(ctx.trace_id);
    out += '-';
    out += encode(ctx.span_id);
    out += '-';
    out += hex_digits[ctx.flags >> 4];
    out += hex_digits[ctx.flags & 0x0f];
    return out;
}

std::string trace_id_hex(const trace_context& ctx) {
    return encode(ctx.trace_id);
}

std::string span_id_hex(const trace_context& ctx) {
    return encode(ctx.span_id);
}

std::array<uint8_t, 8> new_span_id() {
    std::array<uint8_t, 8> id{};
    fill_random(id);
    return id;
}

trace_context new_trace(uint8_t flags) {
    trace_context ctx;
    fill_random(ctx.trace_id);
    ctx.span_id = new_span_id();
    ctx.flags = flags;
    return ctx;
}

trace_context child_of(const trace_context& parent) {
    trace_context ctx = parent;
    do {
        ctx.span_id = new_span_id();
    } while (ctx.span_id == parent.span_id);
    return ctx;
}

bool passable_tracestate(std::string_view value, std::size_t max_bytes) {
    return value.size() <= max_bytes &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace rig::tracing
