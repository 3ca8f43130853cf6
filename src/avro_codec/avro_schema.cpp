#include "avro_codec/avro_schema.hpp"

#include <avro.h>

#include <set>

namespace rig::avro_codec {
namespace {

// Can a datum of `s` take no bytes at all? null, fixed of size 0, and records of only such.
bool takes_no_bytes(avro_schema_t s, std::set<avro_schema_t>& seen) {
    if (s == nullptr || !seen.insert(s).second) {
        return false;  // a record inside itself goes through a union or an array: not empty
    }
    switch (avro_typeof(s)) {
        case AVRO_NULL:
            return true;
        case AVRO_FIXED:
            return avro_schema_fixed_size(s) == 0;
        case AVRO_LINK:
            return takes_no_bytes(avro_schema_link_target(s), seen);
        case AVRO_RECORD:
            for (std::size_t i = 0; i < avro_schema_record_size(s); ++i) {
                std::set<avro_schema_t> branch = seen;
                if (!takes_no_bytes(avro_schema_record_field_get_by_index(s, static_cast<int>(i)),
                                    branch)) {
                    return false;
                }
            }
            return true;
        default:
            return false;
    }
}

// An array whose items take no bytes lets a few bytes of count ask avro-c for billions of
// items (time and memory); such schemas are refused. Maps are safe: every key takes a byte.
bool has_unbounded_array(avro_schema_t s, std::set<avro_schema_t>& seen) {
    if (s == nullptr || !seen.insert(s).second) {
        return false;
    }
    switch (avro_typeof(s)) {
        case AVRO_ARRAY: {
            std::set<avro_schema_t> items_seen;
            return takes_no_bytes(avro_schema_array_items(s), items_seen) ||
                   has_unbounded_array(avro_schema_array_items(s), seen);
        }
        case AVRO_MAP:
            return has_unbounded_array(avro_schema_map_values(s), seen);
        case AVRO_LINK:
            return has_unbounded_array(avro_schema_link_target(s), seen);
        case AVRO_UNION:
            for (std::size_t i = 0; i < avro_schema_union_size(s); ++i) {
                if (has_unbounded_array(avro_schema_union_branch(s, static_cast<int>(i)), seen)) {
                    return true;
                }
            }
            return false;
        case AVRO_RECORD:
            for (std::size_t i = 0; i < avro_schema_record_size(s); ++i) {
                if (has_unbounded_array(
                        avro_schema_record_field_get_by_index(s, static_cast<int>(i)), seen)) {
                    return true;
                }
            }
            return false;
        default:
            return false;
    }
}

}  // namespace

core::result<std::shared_ptr<const avro_schema>> avro_schema::parse(std::string_view json) {
    avro_schema_t schema = nullptr;
    if (avro_schema_from_json_length(json.data(), json.size(), &schema) != 0 || schema == nullptr) {
        return core::bad_request(std::string("not an Avro schema: ") + avro_strerror());
    }
    std::set<avro_schema_t> seen;
    if (has_unbounded_array(schema, seen)) {
        avro_schema_decref(schema);
        return core::bad_request(
            "unsupported Avro schema: an array whose items take no bytes (e.g. of null)");
    }
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    if (iface == nullptr) {
        avro_schema_decref(schema);
        return core::bad_request(std::string("unusable Avro schema: ") + avro_strerror());
    }
    return std::shared_ptr<const avro_schema>(new avro_schema(schema, iface));
}

avro_schema::~avro_schema() {
    avro_value_iface_decref(iface_);
    avro_schema_decref(schema_);
}

}  // namespace rig::avro_codec
