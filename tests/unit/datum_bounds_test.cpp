#include "avro_codec/datum_bounds.hpp"

#include <gtest/gtest.h>

#include <string>

#include "avro_codec/avro_schema.hpp"

namespace {

using rig::avro_codec::avro_schema;
using rig::avro_codec::datum_bounds_fit;

bool fits(const char* schema, const std::string& datum) {
    const auto s = avro_schema::parse(schema);
    EXPECT_TRUE(s.has_value());
    return datum_bounds_fit((*s)->schema(), datum);
}

TEST(DatumBounds, HonestLengthsFit) {
    EXPECT_TRUE(fits(R"("string")", std::string("\x04hi", 3)));
    EXPECT_TRUE(fits(R"("bytes")", std::string("\x00", 1)));
    EXPECT_TRUE(fits(R"({"type":"fixed","name":"f","size":2})", "ab"));
    EXPECT_TRUE(fits(R"({"type":"array","items":"int"})", std::string("\x04\x02\x04\x00", 4)));
    // A negative block count carries the block's byte size.
    EXPECT_TRUE(fits(R"({"type":"array","items":"int"})", std::string("\x03\x04\x02\x04\x00", 5)));
    EXPECT_TRUE(fits(R"({"type":"map","values":"long"})", std::string("\x02\x02k\x06\x00", 5)));
    EXPECT_TRUE(fits(R"(["null","string"])", std::string("\x02\x02x", 3)));
    EXPECT_TRUE(fits(R"({"type":"enum","name":"e","symbols":["A","B"]})", "\x02"));
}

TEST(DatumBounds, LyingLengthsDoNot) {
    EXPECT_FALSE(fits(R"("string")", "\x01"));  // -1
    EXPECT_FALSE(fits(R"("bytes")",
                      "\x03"
                      "ab"));  // -2
    EXPECT_FALSE(fits(R"("string")",
                      "\x06"
                      "ab"));  // 3, 2 bytes left
    EXPECT_FALSE(fits(R"("bytes")", "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f"));
    EXPECT_FALSE(fits(R"("long")", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"));  // 11 bytes
    EXPECT_FALSE(fits(R"("long")", "\x80"));                                          // unfinished
    EXPECT_FALSE(fits(R"({"type":"fixed","name":"f","size":4})", "ab"));
    EXPECT_FALSE(fits(R"({"type":"array","items":"int"})", "\xfe\xff\xff\xff\x0f"));  // count
    EXPECT_FALSE(fits(R"({"type":"array","items":"int"})", std::string("\x03\x7e\x02", 3)));
    EXPECT_FALSE(fits(R"({"type":"map","values":"int"})", "\x02\x09"));  // key length
    EXPECT_FALSE(fits(R"(["null","string"])", "\x04"));                  // branch 2 of 2
    EXPECT_FALSE(fits(R"(["null","string"])", "\x01"));                  // branch -1
    EXPECT_FALSE(fits(R"({"type":"enum","name":"e","symbols":["A","B"]})", "\x04"));
    EXPECT_FALSE(fits(R"("double")", "1234567"));
}

TEST(DatumBounds, DeepRecursionIsRefusedNotFollowed) {
    // A linked list: each level is a union index (1 byte), so 600 levels take 600 bytes.
    const char* list =
        R"({"type":"record","name":"n","fields":[{"name":"next","type":["null","n"]}]})";
    std::string deep(600, '\x02');
    deep += '\x00';
    EXPECT_FALSE(fits(list, deep));
    std::string shallow(100, '\x02');
    shallow += '\x00';
    EXPECT_TRUE(fits(list, shallow));
}

}  // namespace
