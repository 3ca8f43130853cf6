#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rig::core::is_valid_utf8;

TEST(Utf8, AcceptsEmptyAndAscii) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("hello, world"));
    EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));
    EXPECT_TRUE(is_valid_utf8("\x7f"));
}

TEST(Utf8, AcceptsMultiByteSequences) {
    EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080, smallest 2-byte
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));          // é
    EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // €
    EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below surrogates
    EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000, just above surrogates
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));  // 😀
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    EXPECT_TRUE(
        is_valid_utf8("The name this event carries is \xc2\xbb"
                      "Alice\xc2\xab."));
}

TEST(Utf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xc0\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));
}

TEST(Utf8, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));  // U+DFFF
}

TEST(Utf8, RejectsCodePointsAboveMax) {
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xf7\xbf\xbf\xbf"));
}

TEST(Utf8, RejectsInvalidLeadBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("a\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xfc\x84\x80\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xfe"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(Utf8, RejectsTruncatedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xc3"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
    EXPECT_FALSE(is_valid_utf8("abc\xe2"));
}

TEST(Utf8, RejectsBadContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\xc3\x28"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x28\xac"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82\x28"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98\x28"));
    EXPECT_FALSE(is_valid_utf8("\xc3\xc3\xa9"));
}

}  // namespace

namespace {

using rig::core::to_valid_utf8;

TEST(Utf8, ValidTextIsKept) {
    EXPECT_EQ(to_valid_utf8(""), "");
    EXPECT_EQ(to_valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_EQ(to_valid_utf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Utf8, EachBadByteBecomesAReplacementCharacter) {
    const std::string r = "\xef\xbf\xbd";
    EXPECT_EQ(to_valid_utf8("\xff"), r);
    EXPECT_EQ(to_valid_utf8("a\x80z"), "a" + r + "z");                   // stray continuation
    EXPECT_EQ(to_valid_utf8("\xc0\xaf"), r + r);                         // overlong
    EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), r + r + r);                 // surrogate
    EXPECT_EQ(to_valid_utf8("x\xe2\x82"), "x" + r + r);                  // truncated at the end
    EXPECT_EQ(to_valid_utf8("\xe2\x82z\xc3\xa9"), r + r + "z\xc3\xa9");  // resyncs after
    EXPECT_TRUE(rig::core::is_valid_utf8(to_valid_utf8("\xf8\x88\x80\x80\x80")));
}

}  // namespace
