#include "subscription/scalar.hpp"

namespace rig::subscription {

std::optional<scalar> scalar::from_json(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::bool_:
            return scalar(v.get_bool());
        case boost::json::kind::int64:
            return scalar(v.get_int64());
        case boost::json::kind::uint64: {
            const uint64_t u = v.get_uint64();
            if (u <= static_cast<uint64_t>(INT64_MAX)) {
                return scalar(static_cast<int64_t>(u));
            }
            return scalar(static_cast<double>(u));
        }
        case boost::json::kind::double_:
            return scalar(v.get_double());
        case boost::json::kind::string:
            return scalar(std::string(v.get_string()));
        default:
            return std::nullopt;
    }
}

boost::json::value scalar::to_json() const {
    return std::visit([](const auto& v) { return boost::json::value(v); }, v_);
}

scalar::key_view scalar::key() const {
    if (const auto* i = std::get_if<int64_t>(&v_)) {
        return static_cast<double>(*i);
    }
    if (const auto* d = std::get_if<double>(&v_)) {
        return *d == 0.0 ? 0.0 : *d;  // -0.0 == 0.0
    }
    if (const auto* b = std::get_if<bool>(&v_)) {
        return *b;
    }
    return std::string_view(std::get<std::string>(v_));
}

bool operator==(const scalar& a, const scalar& b) {
    const auto as_number = [](const scalar& s) -> std::optional<double> {
        if (const auto* i = std::get_if<int64_t>(&s.v_)) {
            return static_cast<double>(*i);
        }
        if (const auto* d = std::get_if<double>(&s.v_)) {
            return *d;
        }
        return std::nullopt;
    };
    if (a.v_.index() == b.v_.index()) {
        return a.v_ == b.v_;
    }
    const auto x = as_number(a);
    const auto y = as_number(b);
    return x && y && *x == *y;
}

}  // namespace rig::subscription
