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

    friend bool operator==(const constraint_key_view&, const constraint_key_view&) = default;
};

// The owning form, stored in the index.
struct constraint_key {
    uint32_t field;
    std::variant<bool, double, std::string> value;

    constraint_key(uint32_t f, const scalar::key_view& v);
    constraint_key_view view() const;
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
    static constraint_key_view as_view(const constraint_key_view& k) { return k; }
    static constraint_key_view as_view(const constraint_key& k) { return k.view(); }
};

}  // namespace rig::subscription
