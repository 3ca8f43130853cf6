#include "core/histogram.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace rig::core {

histogram::histogram(std::span<const uint64_t> bounds) : bounds_(bounds) {
    if (bounds.size() > max_buckets) {
        throw std::invalid_argument("histogram: too many buckets");
    }
}

histogram::counts& histogram::counts::operator+=(const counts& o) {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        buckets[i] += o.buckets[i];
    }
    count += o.count;
    sum += o.sum;
    return *this;
}

histogram::counts histogram::snapshot() const {
    counts c;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        c.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    c.count = count_.load(std::memory_order_relaxed);
    c.sum = sum_.load(std::memory_order_relaxed);
    return c;
}

std::string render_histogram(std::string_view name, std::string_view labels,
                             std::span<const uint64_t> bounds, const histogram::counts& c,
                             double unit) {
    std::string out;
    const std::string_view sep = labels.empty() ? "" : ",";
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += c.buckets[i];
        out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                           static_cast<double>(bounds[i]) / unit, cumulative);
    }
    cumulative += c.buckets[bounds.size()];
    // +Inf is the observation count; a scrape between an observation's adds must not show a
    // count below the buckets' total.
    out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
    const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
    out += fmt::format("{}_sum{} {}\n", name, braces, static_cast<double>(c.sum) / unit);
    out += fmt::format("{}_count{} {}\n", name, braces, cumulative);
    return out;
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char ch : v) {
        switch (ch) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

}  // namespace rig::core
