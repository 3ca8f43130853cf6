#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "avro_codec/avro_schema.hpp"
#include "core/error.hpp"

namespace rig::avro_codec {

// Avro binary data <-> JSON, by walking avro-c's generic values (avro_value_t).
//
// The JSON shape is the one subscribers see and that producers send, not Avro's JSON encoding:
// a union is its bare value or null (never {"string": ...}); an enum is its symbol; bytes and
// fixed are strings of code points 0-255 (one per byte, as Avro's JSON encoding writes them);
// int and long are integers; float and double are numbers (NaN and infinities become null, which
// JSON cannot hold); maps and records are objects; arrays are arrays.
//
// Stateless functions; any thread, the schema may be shared.

// Decodes one Avro datum (the payload, without any wire-format prefix). bad_request when the
// bytes are not a datum of `schema`.
core::result<boost::json::value> decode(const avro_schema& schema, std::string_view payload);

// decode() for many datums of one schema: keeps one avro-c value and reader and reuses them, so
// a datum costs no avro-c allocations beyond its strings. For a consumer's thread: one decoder
// is used by one thread at a time.
class decoder {
public:
    explicit decoder(std::shared_ptr<const avro_schema> schema);
    ~decoder();
    decoder(const decoder&) = delete;
    decoder& operator=(const decoder&) = delete;

    core::result<boost::json::value> decode(std::string_view payload);

private:
    struct state;
    std::shared_ptr<const avro_schema> schema_;
    std::unique_ptr<state> state_;
};

// Encodes a JSON value as one Avro datum of `schema`. A record takes its fields by name; object
// members the record does not have are ignored; a missing field is null when its schema allows
// null, else an error. A union takes the first branch the value fits. bad_request, naming the
// path of the value (e.g. "/user/age"), when the value does not fit.
core::result<std::string> encode(const avro_schema& schema, const boost::json::value& value);

}  // namespace rig::avro_codec
