#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace rig::subscription {

// A JSON scalar that constraints compare: string, number or boolean. Null, objects and
// arrays are not scalars: an event field holding one of them matches no constraint on it.
//
// Equality follows RIG (Erlang ==): numbers compare by value across integer and float
// (1 == 1.0), strings compare exactly, and values of different kinds are never equal
// ("30" != 30, true != 1).
class scalar {
public:
    static std::optional<scalar> from_json(const boost::json::value& v);
    static scalar of_string(std::string s) { return scalar(std::move(s)); }
    static scalar of_integer(int64_t i) { return scalar(i); }
    static scalar of_double(double d) { return scalar(d); }
    static scalar of_bool(bool b) { return scalar(b); }

    friend bool operator==(const scalar& a, const scalar& b);
    // Same kind and same value (1 and 1.0 are not): what a JSON document compares.
    bool identical(const scalar& o) const { return v_ == o.v_; }

    boost::json::value to_json() const;

    // The value as a hash-map key under which equal scalars meet: numbers as doubles (1 and
    // 1.0 alike). Scalars with equal keys may still differ (integers beyond 2^53): a key only
    // finds candidates, == decides.
    using key_view = std::variant<bool, double, std::string_view>;
    key_view key() const;

private:
    explicit scalar(std::variant<bool, int64_t, double, std::string> v) : v_(std::move(v)) {}

    std::variant<bool, int64_t, double, std::string> v_;
};

}  // namespace rig::subscription
