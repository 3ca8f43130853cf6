#include "proxy/correlation_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "transport/connection_token.hpp"

namespace {

using rig::proxy::correlation_address;
using rig::proxy::correlation_codec;

constexpr std::string_view token_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

TEST(CorrelationCodec, RoundTripKeepsInstanceShardAndWaiter) {
    const correlation_codec codec("magiccookie");
    constexpr uint64_t max64 = std::numeric_limits<uint64_t>::max();
    for (const correlation_address a :
         {correlation_address{7, 3, 12345}, correlation_address{0, 0, 1},
          correlation_address{std::numeric_limits<uint32_t>::max(),
                              std::numeric_limits<uint16_t>::max(), max64},
          correlation_address{1, 1, 0x0102030405060708}}) {
        const std::string id = codec.encode(a);
        EXPECT_EQ(id.find_first_not_of(token_alphabet), std::string::npos) << id;
        const auto out = codec.decode(id);
        ASSERT_TRUE(out) << id;
        EXPECT_EQ(out->instance, a.instance);
        EXPECT_EQ(out->shard, a.shard);
        EXPECT_EQ(out->waiter, a.waiter);
    }
}

TEST(CorrelationCodec, DistinctWaitersGetDistinctIds) {
    const correlation_codec codec("key");
    EXPECT_EQ(codec.encode({1, 2, 3}), codec.encode({1, 2, 3}));
    EXPECT_NE(codec.encode({1, 2, 3}), codec.encode({1, 2, 4}));
    EXPECT_NE(codec.encode({1, 2, 3}), codec.encode({1, 3, 3}));
    EXPECT_NE(codec.encode({1, 2, 3}), codec.encode({2, 2, 3}));
}

TEST(CorrelationCodec, TamperedIdNeverDecodes) {
    const correlation_codec codec("key");
    const std::string id = codec.encode({5, 1, 77});
    for (std::size_t i = 0; i < id.size(); ++i) {
        for (const char replacement : {'A', 'z', '-', '_', '0', '/', '+', '='}) {
            if (id[i] == replacement) {
                continue;
            }
            std::string bad = id;
            bad[i] = replacement;
            EXPECT_FALSE(codec.decode(bad)) << "position " << i << " " << bad;
        }
    }
    EXPECT_FALSE(codec.decode(id.substr(1)));
    EXPECT_FALSE(codec.decode(id.substr(0, id.size() - 1)));
    EXPECT_FALSE(codec.decode(id + "A"));
    EXPECT_FALSE(codec.decode(id + "=="));
    EXPECT_FALSE(codec.decode(id + id));
    EXPECT_FALSE(codec.decode(""));
    EXPECT_FALSE(codec.decode("garbage"));
    EXPECT_FALSE(codec.decode(std::string(100000, 'A')));
}

TEST(CorrelationCodec, OtherCookieIsRefused) {
    const correlation_codec mine("cookie one");
    const correlation_codec theirs("cookie two");
    EXPECT_FALSE(mine.decode(theirs.encode({1, 2, 3})));
    EXPECT_FALSE(theirs.decode(mine.encode({1, 2, 3})));
}

// A connection token (same cookie) is never a correlation id, nor the other way round: a
// backend must not be able to use one to reach the other.
TEST(CorrelationCodec, ConnectionTokensAreNotCorrelationIds) {
    const correlation_codec correlations("cookie");
    const rig::transport::token_codec tokens("cookie", 1);
    for (uint32_t slot = 0; slot < 50; ++slot) {
        EXPECT_FALSE(correlations.decode(tokens.encode({1, 0, slot, slot})));
        rig::transport::connection_address out;
        EXPECT_EQ(tokens.decode(correlations.encode({1, 0, slot}), out),
                  rig::transport::token_codec::verdict::malformed);
    }
}

}  // namespace
