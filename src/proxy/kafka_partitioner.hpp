#pragma once

#include <cstdint>
#include <string_view>

namespace rig::proxy {

// MurmurHash3, x86 32-bit variant (Austin Appleby's MurmurHash3_x86_32), as unsigned.
uint32_t murmur3_x86_32(std::string_view data, uint32_t seed = 0);

// The partition RIG produces a message with `key` to (spec §8.8): a non-empty key goes to
// abs(murmur3_x86_32(key)) mod partition_count, where RIG's hash (Elixir's Murmur.hash_x86_32)
// is already unsigned, so abs changes nothing; an empty key goes to a random partition.
// This is not Kafka's default (murmur2). `partition_count` must be positive.
int32_t kafka_partition_for(std::string_view key, int32_t partition_count);

}  // namespace rig::proxy
