#include "subscription/constraint_key.hpp"

#include <boost/container_hash/hash.hpp>
#include <functional>

namespace rig::subscription {

constraint_key::constraint_key(uint32_t f, const scalar::key_view& v) : field(f) {
    if (const auto* s = std::get_if<std::string_view>(&v)) {
        value = std::string(*s);
    } else if (const auto* d = std::get_if<double>(&v)) {
        value = *d;
    } else {
        value = std::get<bool>(v);
    }
}

constraint_key_view constraint_key::view() const noexcept {
    if (const auto* s = std::get_if<std::string>(&value)) {
        return {field, std::string_view(*s)};
    }
    if (const auto* d = std::get_if<double>(&value)) {
        return {field, *d};
    }
    // get_if, not get: the variant holds one of the three, and noexcept says so.
    return {field, *std::get_if<bool>(&value)};
}

std::size_t constraint_key_hash::operator()(const constraint_key_view& k) const noexcept {
    std::size_t h = k.value.index();
    if (const auto* s = std::get_if<std::string_view>(&k.value)) {
        boost::hash_combine(h, std::hash<std::string_view>{}(*s));
    } else if (const auto* d = std::get_if<double>(&k.value)) {
        boost::hash_combine(h, std::hash<double>{}(*d));
    } else {
        boost::hash_combine(h, *std::get_if<bool>(&k.value));
    }
    boost::hash_combine(h, k.field);
    return h;
}

}  // namespace rig::subscription
