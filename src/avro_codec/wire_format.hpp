#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rig::avro_codec {

// Confluent's Avro wire format: the magic byte 0, the schema's registry id as 4 bytes big-endian,
// then the Avro datum.
inline constexpr std::size_t wire_header_size = 5;

struct framed_datum {
    int32_t schema_id;
    std::string_view payload;  // points into the framed bytes
};

// The schema id and payload of a framed message; nullopt when it does not start with the magic
// byte and a 4-byte id.
std::optional<framed_datum> unframe(std::string_view message);

// Prefixes an Avro datum with the magic byte and `schema_id`.
std::string frame(int32_t schema_id, std::string_view payload);

}  // namespace rig::avro_codec
