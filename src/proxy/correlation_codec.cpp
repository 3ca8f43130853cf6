#include "proxy/correlation_codec.hpp"

#include "core/big_endian.hpp"

namespace rig::proxy {
namespace {

// The first body byte: the kind and version of the token (connection tokens use 1).
constexpr uint8_t correlation_format = 0xc1;
constexpr std::size_t body_size = 1 + 4 + 2 + 8;

}  // namespace

correlation_codec::correlation_codec(std::string_view key_material)
    : signer_("rig correlation id v1:", key_material) {}

std::string correlation_codec::encode(const correlation_address& a) const {
    std::string body;
    body.reserve(body_size);
    core::put_big_endian(body, correlation_format, 1);
    core::put_big_endian(body, a.instance, 4);
    core::put_big_endian(body, a.shard, 2);
    core::put_big_endian(body, a.waiter, 8);
    return signer_.seal(body);
}

std::optional<correlation_address> correlation_codec::decode(std::string_view id) const {
    // We never pad: refusing padding leaves exactly one spelling of each id.
    if (id.find('=') != std::string_view::npos) {
        return std::nullopt;
    }
    const auto body = signer_.open(id, body_size);
    if (!body || static_cast<uint8_t>((*body)[0]) != correlation_format) {
        return std::nullopt;
    }
    correlation_address a;
    a.instance = static_cast<uint32_t>(core::get_big_endian(*body, 1, 4));
    a.shard = static_cast<uint16_t>(core::get_big_endian(*body, 5, 2));
    a.waiter = core::get_big_endian(*body, 7, 8);
    return a;
}

}  // namespace rig::proxy
