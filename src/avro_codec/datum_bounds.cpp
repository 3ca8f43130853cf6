#include "avro_codec/datum_bounds.hpp"

#include <avro.h>

#include <cstdint>
#include <optional>

namespace rig::avro_codec {
namespace {

constexpr int max_depth = 512;

class bounds_walk {
public:
    explicit bounds_walk(std::string_view d) : p_(d.data()), end_(d.data() + d.size()) {}

    bool datum(avro_schema_t s, int depth) {
        if (s == nullptr || depth > max_depth) {
            return false;
        }
        switch (avro_typeof(s)) {
            case AVRO_NULL:
                return true;
            case AVRO_BOOLEAN:
                return skip(1);
            case AVRO_INT32:
            case AVRO_INT64:
                return varint().has_value();
            case AVRO_FLOAT:
                return skip(4);
            case AVRO_DOUBLE:
                return skip(8);
            case AVRO_STRING:
            case AVRO_BYTES:
                return sized();
            case AVRO_FIXED:
                return skip(avro_schema_fixed_size(s));
            case AVRO_ENUM: {
                const auto i = varint();
                return i && *i >= 0 && *i < avro_schema_enum_number_of_symbols(s);
            }
            case AVRO_UNION: {
                const auto i = varint();
                return i && *i >= 0 && static_cast<std::uint64_t>(*i) < avro_schema_union_size(s) &&
                       datum(avro_schema_union_branch(s, static_cast<int>(*i)), depth + 1);
            }
            case AVRO_RECORD:
                for (std::size_t i = 0; i < avro_schema_record_size(s); ++i) {
                    if (!datum(avro_schema_record_field_get_by_index(s, static_cast<int>(i)),
                               depth + 1)) {
                        return false;
                    }
                }
                return true;
            case AVRO_ARRAY:
                return blocks(avro_schema_array_items(s), false, depth);
            case AVRO_MAP:
                return blocks(avro_schema_map_values(s), true, depth);
            case AVRO_LINK:
                return datum(avro_schema_link_target(s), depth + 1);
        }
        return false;
    }

private:
    std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

    bool skip(std::int64_t n) {
        if (n < 0 || static_cast<std::uint64_t>(n) > left()) {
            return false;
        }
        p_ += n;
        return true;
    }

    // A zigzag varint, as Avro writes int and long.
    std::optional<std::int64_t> varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (p_ == end_) {
                return std::nullopt;
            }
            const auto b = static_cast<unsigned char>(*p_++);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
            }
        }
        return std::nullopt;
    }

    bool sized() {
        const auto n = varint();
        return n && skip(*n);
    }

    // Array or map blocks: a count (negative: its absolute value, then the block's byte size),
    // the items, until a count of 0. Every item takes a byte at least (a map's key; an array's
    // item, since avro_schema::parse refuses items that take none), so a count beyond the bytes
    // left is a lie.
    bool blocks(avro_schema_t items, bool keyed, int depth) {
        for (;;) {
            auto count = varint();
            if (!count) {
                return false;
            }
            if (*count == 0) {
                return true;
            }
            if (*count < 0) {
                if (*count == INT64_MIN) {
                    return false;
                }
                count = -*count;
                const auto size = varint();
                if (!size || *size < 0 || static_cast<std::uint64_t>(*size) > left()) {
                    return false;
                }
            }
            if (static_cast<std::uint64_t>(*count) > left()) {
                return false;
            }
            for (std::int64_t i = 0; i < *count; ++i) {
                if ((keyed && !sized()) || !datum(items, depth + 1)) {
                    return false;
                }
            }
        }
    }

    const char* p_;
    const char* end_;
};

}  // namespace

bool datum_bounds_fit(avro_obj_t* schema, std::string_view datum) {
    return bounds_walk(datum).datum(schema, 0);
}

}  // namespace rig::avro_codec
