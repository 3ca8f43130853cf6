#include "proxy/kafka_partitioner.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using rig::proxy::kafka_partition_for;
using rig::proxy::murmur3_x86_32;

TEST(Murmur3, KnownVectors) {
    EXPECT_EQ(murmur3_x86_32(""), 0u);
    EXPECT_EQ(murmur3_x86_32("", 1), 0x514e28b7u);
    EXPECT_EQ(murmur3_x86_32("", 0xffffffffu), 0x81f16f39u);
    EXPECT_EQ(murmur3_x86_32(std::string(4, '\0')), 0x2362f9deu);
    EXPECT_EQ(murmur3_x86_32("hello"), 0x248bfa47u);
    EXPECT_EQ(murmur3_x86_32("test"), 0xba6bd213u);
    EXPECT_EQ(murmur3_x86_32("The quick brown fox jumps over the lazy dog"), 0x2e4ff723u);
    EXPECT_EQ(murmur3_x86_32("aaaa", 0x9747b28cu), 0x5a97808au);
    EXPECT_EQ(murmur3_x86_32("Hello, world!", 0x9747b28cu), 0x24884cbau);
}

// SMHasher's VerificationTest: hashes of the keys {}, {0}, {0,1}, ... {0..254} with seeds 256-n,
// hashed again; MurmurHash3_x86_32's published value is 0xB0F57EE3. It covers every tail
// length and both the block and tail paths.
TEST(Murmur3, SmhasherVerificationValue) {
    std::string key;
    std::string hashes;
    for (int n = 0; n < 256; ++n) {
        const uint32_t h = murmur3_x86_32(key, static_cast<uint32_t>(256 - n));
        for (int b = 0; b < 4; ++b) {
            hashes.push_back(static_cast<char>((h >> (8 * b)) & 0xff));
        }
        key.push_back(static_cast<char>(n));
    }
    EXPECT_EQ(murmur3_x86_32(hashes), 0xb0f57ee3u);
}

TEST(KafkaPartition, KeyedByUnsignedMurmur3) {
    EXPECT_EQ(kafka_partition_for("hello", 4), 0x248bfa47 % 4);
    // 0xba6bd213 has the top bit set: RIG's hash is unsigned (Elixir's Murmur.hash_x86_32), so
    // abs() leaves it be; a signed hash would give partition 1 here.
    EXPECT_EQ(kafka_partition_for("test", 3), 0);
    EXPECT_EQ(kafka_partition_for("anything", 1), 0);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(kafka_partition_for("stable", 7), kafka_partition_for("stable", 7));
    }
}

TEST(KafkaPartition, EmptyKeyIsRandom) {
    std::set<int32_t> seen;
    for (int i = 0; i < 500; ++i) {
        const int32_t p = kafka_partition_for("", 4);
        ASSERT_GE(p, 0);
        ASSERT_LT(p, 4);
        seen.insert(p);
    }
    EXPECT_EQ(seen.size(), 4u);
}

}  // namespace
