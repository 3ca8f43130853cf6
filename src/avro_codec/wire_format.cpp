#include "avro_codec/wire_format.hpp"

namespace rig::avro_codec {

std::optional<framed_datum> unframe(std::string_view message) {
    if (message.size() < wire_header_size || message[0] != '\0') {
        return std::nullopt;
    }
    uint32_t id = 0;
    for (std::size_t i = 1; i < wire_header_size; ++i) {
        id = (id << 8) | static_cast<unsigned char>(message[i]);
    }
    return framed_datum{static_cast<int32_t>(id), message.substr(wire_header_size)};
}

std::string frame(int32_t schema_id, std::string_view payload) {
    std::string out;
    out.reserve(wire_header_size + payload.size());
    out.push_back('\0');
    const auto id = static_cast<uint32_t>(schema_id);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((id >> shift) & 0xff));
    }
    out.append(payload);
    return out;
}

}  // namespace rig::avro_codec
