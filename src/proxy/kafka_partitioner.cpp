#include "proxy/kafka_partitioner.hpp"

#include "core/random.hpp"

namespace rig::proxy {
namespace {

constexpr uint32_t rotl32(uint32_t x, int r) {
    return (x << r) | (x >> (32 - r));
}

constexpr uint32_t mix_k(uint32_t k) {
    k *= 0xcc9e2d51u;
    k = rotl32(k, 15);
    return k * 0x1b873593u;
}

}  // namespace

uint32_t murmur3_x86_32(std::string_view data, uint32_t seed) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t blocks = data.size() / 4;
    uint32_t h = seed;
    for (std::size_t i = 0; i < blocks; ++i) {
        const unsigned char* b = bytes + i * 4;
        // Little-endian blocks, whatever the machine's byte order.
        const uint32_t k =
            uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
        h ^= mix_k(k);
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const unsigned char* tail = bytes + blocks * 4;
    uint32_t k = 0;
    switch (data.size() & 3) {
        case 3:
            k ^= uint32_t{tail[2]} << 16;
            [[fallthrough]];
        case 2:
            k ^= uint32_t{tail[1]} << 8;
            [[fallthrough]];
        case 1:
            k ^= tail[0];
            h ^= mix_k(k);
    }
    h ^= static_cast<uint32_t>(data.size());
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

int32_t kafka_partition_for(std::string_view key, int32_t partition_count) {
    const auto count = static_cast<uint32_t>(partition_count);
    if (key.empty()) {
        return static_cast<int32_t>(core::random_u64() % count);
    }
    return static_cast<int32_t>(murmur3_x86_32(key) % count);
}

}  // namespace rig::proxy
