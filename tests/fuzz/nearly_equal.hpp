#pragma once

#include <algorithm>
#include <boost/json/value.hpp>
#include <cmath>

namespace rig::fuzz {

// JSON equality with doubles compared within 1e-12 (relative). Boost.JSON 1.81 parses numbers
// fast but not exactly (precise parsing came with 1.83): the shortest exact text of a double
// may read back as a neighbour, so a round trip through text is only nearly exact.
inline bool nearly_equal(const boost::json::value& a, const boost::json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        return std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y));
    }
    if (a.kind() != b.kind()) {
        return false;
    }
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), nearly_equal);
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) {
            return false;
        }
        for (const auto& [key, value] : x) {
            const auto* other = y.if_contains(key);
            if (other == nullptr || !nearly_equal(value, *other)) {
                return false;
            }
        }
        return true;
    }
    return a == b;
}

}  // namespace rig::fuzz
