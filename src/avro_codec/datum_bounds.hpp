#pragma once

#include <string_view>

struct avro_obj_t;

namespace rig::avro_codec {

// Whether every length in an Avro binary datum of `schema` fits the bytes it came in: string,
// bytes and fixed lengths, array and map block counts and block sizes, union and enum indexes,
// varints of at most 10 bytes, nesting at most 512 levels deep.
//
// avro-c trusts those lengths: a negative or huge one reaches malloc/realloc as a size (a
// failed allocation in a release build, an abort under AddressSanitizer, a transient
// reservation of gigabytes otherwise). So decode() asks this first, over bytes from Kafka,
// before avro-c reads them. It reads each byte at most once and allocates nothing.
//
// Stateless; any thread.
bool datum_bounds_fit(avro_obj_t* schema, std::string_view datum);

}  // namespace rig::avro_codec
