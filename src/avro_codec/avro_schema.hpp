#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

struct avro_obj_t;
struct avro_value_iface;

namespace rig::avro_codec {

// One parsed Avro schema (avro-c) and the generic value class made from it, as fetched from the
// schema registry. Immutable once made and shared by shared_ptr: the registry's cache owns one,
// and decoders and encoders on any thread use it (each makes its own values from `iface()`).
class avro_schema {
public:
    // Parses a schema in Avro's JSON schema syntax; bad_request with avro-c's message if it is
    // not one. Also refused: an array whose items take no bytes (null, an empty record), whose
    // datums could ask for any number of items in a few bytes.
    static core::result<std::shared_ptr<const avro_schema>> parse(std::string_view json);

    ~avro_schema();
    avro_schema(const avro_schema&) = delete;
    avro_schema& operator=(const avro_schema&) = delete;

    avro_obj_t* schema() const { return schema_; }
    avro_value_iface* iface() const { return iface_; }

private:
    avro_schema(avro_obj_t* schema, avro_value_iface* iface) : schema_(schema), iface_(iface) {}

    avro_obj_t* schema_;
    avro_value_iface* iface_;
};

}  // namespace rig::avro_codec
