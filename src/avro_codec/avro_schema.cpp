#include "avro_codec/avro_schema.hpp"

#include <avro.h>

namespace rig::avro_codec {

core::result<std::shared_ptr<const avro_schema>> avro_schema::parse(std::string_view json) {
    avro_schema_t schema = nullptr;
    if (avro_schema_from_json_length(json.data(), json.size(), &schema) != 0 || schema == nullptr) {
        return core::bad_request(std::string("not an Avro schema: ") + avro_strerror());
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
