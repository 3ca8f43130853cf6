#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "subscription/scalar.hpp"

namespace rig::subscription {

// Where the subscription index files a conjunction of an exact event type: one of its
// constraints, as the field's position in the type's extractors and the value's key. An
// event then finds the conjunctions that may hold for it with one lookup per field it carries.
struct constraint_key_view {
    uint32_t field;
    scalar::key_view value;

    // By hand, not defaulted: std::variant's == is not noexcept, and the index's equality
    // functor must not throw.
    friend bool operator==(const constraint_key_view& a, const constraint_key_view& b) noexcept {
        if (a.field != b.field || a.value.index() != b.value.index()) {
            return false;
        }
        if (const auto* s = std::get_if<std::string_view>(&a.value)) {
            return *s == *std::get_if<std::string_view>(&b.value);
        }
        if (const auto* d = std::get_if<double>(&a.value)) {
            return *d == *std::get_if<double>(&b.value);
        }
        return *std::get_if<bool>(&a.value) == *std::get_if<bool>(&b.value);
    }
};

// The owning form, stored in the index.
struct constraint_key {
    uint32_t field;
    std::variant<bool, double, std::string> value;

    constraint_key(uint32_t f, const scalar::key_view& v);
    constraint_key_view view() const noexcept;
};

// Transparent hash and equality: lookups with a view allocate nothing.
struct constraint_key_hash {
    using is_transparent = void;
    std::size_t operator()(const constraint_key_view& k) const noexcept;
    std::size_t operator()(const constraint_key& k) const noexcept { return (*this)(k.view()); }
};

struct constraint_key_equal {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        return as_view(a) == as_view(b);
    }

private:
    static constraint_key_view as_view(const constraint_key_view& k) noexcept { return k; }
    static constraint_key_view as_view(const constraint_key& k) noexcept { return k.view(); }
};

}  // namespace rig::subscription
