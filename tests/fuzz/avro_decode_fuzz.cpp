// Fuzz target for the Avro decoder (the Kafka source's path for Confluent-Avro messages): any
// bytes must decode or be refused without crashing, for a schema with every Avro type; the
// reused decoder (one avro-c value for every message) and the one-shot decode() must agree;
// and whatever decodes must encode again, and decode from that to the same JSON.
// A disagreement aborts, which libFuzzer and the corpus replay under ctest both report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "avro_codec/json_codec.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;
using namespace rig::avro_codec;

// Every type but float and double (NaN decodes to null, which does not encode back).
constexpr std::string_view schema_text = R"({
  "type": "record", "name": "R", "fields": [
    {"name": "s", "type": "string"}, {"name": "b", "type": "bytes"},
    {"name": "i", "type": "int"}, {"name": "l", "type": "long"}, {"name": "t", "type": "boolean"},
    {"name": "n", "type": "null"},
    {"name": "u", "type": ["null", "string", "long"]},
    {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
    {"name": "f", "type": {"type": "fixed", "name": "F", "size": 3}},
    {"name": "a", "type": {"type": "array", "items": ["null", "int"]}},
    {"name": "m", "type": {"type": "map", "values": "string"}},
    {"name": "r", "type": ["null", {"type": "record", "name": "Inner",
                                    "fields": [{"name": "x", "type": "int"}]}]}
  ]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const auto schema = *avro_schema::parse(schema_text);
    static decoder reused(schema);
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto once = decode(*schema, bytes);
    auto again = reused.decode(bytes);
    require(once.has_value() == again.has_value());
    if (!once) {
        return 0;
    }
    require(*once == *again);
    auto encoded = encode(*schema, *once);
    require(encoded.has_value());
    auto back = decode(*schema, *encoded);
    require(back.has_value() && *back == *once);
    return 0;
}
