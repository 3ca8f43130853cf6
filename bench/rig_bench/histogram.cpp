#include "histogram.hpp"

#include <cstdlib>
#include <sstream>

namespace rig::bench {

std::size_t histogram::bucket(uint64_t us) {
    if (us < 1000) {
        return us;
    }
    if (us < 10'000) {
        return 1000 + (us - 1000) / 10;
    }
    if (us < 100'000) {
        return 1900 + (us - 10'000) / 100;
    }
    if (us < 10'000'000) {
        return 2800 + (us - 100'000) / 1000;
    }
    return size - 1;
}

double histogram::value_of(std::size_t b) {
    if (b < 1000) {
        return static_cast<double>(b);
    }
    if (b < 1900) {
        return 1000.0 + static_cast<double>(b - 1000) * 10;
    }
    if (b < 2800) {
        return 10'000.0 + static_cast<double>(b - 1900) * 100;
    }
    if (b < size - 1) {
        return 100'000.0 + static_cast<double>(b - 2800) * 1000;
    }
    return 10'000'000.0;
}

double histogram::quantile_us(double q) const {
    if (total_ == 0) {
        return 0;
    }
    const auto rank = static_cast<uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    uint64_t seen = 0;
    for (std::size_t b = 0; b < size; ++b) {
        seen += counts_[b];
        if (seen >= rank) {
            return value_of(b);
        }
    }
    return value_of(size - 1);
}

std::string histogram::serialize() const {
    std::ostringstream out;
    bool first = true;
    for (std::size_t b = 0; b < size; ++b) {
        if (counts_[b] != 0) {
            out << (first ? "" : ",") << b << ':' << counts_[b];
            first = false;
        }
    }
    return out.str();
}

void histogram::merge_serialized(const std::string& text) {
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto colon = item.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        const auto b = std::strtoull(item.c_str(), nullptr, 10);
        const auto n = std::strtoull(item.c_str() + colon + 1, nullptr, 10);
        if (b < size) {
            counts_[b] += n;
            total_ += n;
        }
    }
}

}  // namespace rig::bench
