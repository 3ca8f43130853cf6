#include "hub/interest_key.hpp"

#include <boost/container_hash/hash.hpp>

namespace rig::hub {

std::size_t interest_key::hash_type(std::string_view type) {
    return boost::hash_range(type.begin(), type.end());
}

std::size_t interest_key::filing(std::size_t type_hash,
                                 const subscription::constraint_key_view* value) {
    // The scanned marker is a value no constraint key hashes to on purpose; should one
    // collide, the type is only taken as scanned (a false positive).
    boost::hash_combine(type_hash, value != nullptr ? subscription::constraint_key_hash{}(*value)
                                                    : std::size_t{0x5ca22edU});
    return type_hash;
}

interest_key interest_key::of(std::string_view type, const subscription::event_fields& fields) {
    interest_key key;
    key.type_hash = hash_type(type);
    key.complete = fields.extractor != nullptr;
    for (std::size_t i = 0; i < fields.values.size(); ++i) {
        if (const auto& v = fields.values[i]) {
            if (key.value_count == max_values) {
                key.complete = false;
                break;
            }
            const subscription::constraint_key_view value{static_cast<uint32_t>(i), v->key()};
            key.values[key.value_count++] = filing(key.type_hash, &value);
        }
    }
    return key;
}

}  // namespace rig::hub
