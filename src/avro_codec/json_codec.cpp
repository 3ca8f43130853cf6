#include "avro_codec/json_codec.hpp"

#include <avro.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "avro_codec/datum_bounds.hpp"

namespace rig::avro_codec {
namespace {

namespace json = boost::json;

// A generic value of the schema's class, released on scope exit.
class owned_value {
public:
    explicit owned_value(const avro_schema& schema) {
        ok_ = avro_generic_value_new(schema.iface(), &value_) == 0;
    }
    ~owned_value() {
        if (ok_) {
            avro_value_decref(&value_);
        }
    }
    owned_value(const owned_value&) = delete;
    owned_value& operator=(const owned_value&) = delete;

    bool ok() const { return ok_; }
    avro_value_t* get() { return &value_; }

private:
    avro_value_t value_{};
    bool ok_ = false;
};

// Bytes as a string of code points 0-255 (Avro's JSON encoding of bytes and fixed).
json::string bytes_to_json(const void* buf, std::size_t size) {
    json::string out;
    out.reserve(size);
    const auto* p = static_cast<const unsigned char*>(buf);
    for (std::size_t i = 0; i < size; ++i) {
        if (p[i] < 0x80) {
            out.push_back(static_cast<char>(p[i]));
        } else {
            out.push_back(static_cast<char>(0xc0 | (p[i] >> 6)));
            out.push_back(static_cast<char>(0x80 | (p[i] & 0x3f)));
        }
    }
    return out;
}

// The reverse: false when a code point is above 255 (or the UTF-8 is broken).
bool json_to_bytes(std::string_view s, std::string& out) {
    out.clear();
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size() &&
                   (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80) {
            out.push_back(static_cast<char>(((c & 0x03) << 6) |
                                            (static_cast<unsigned char>(s[i + 1]) & 0x3f)));
            ++i;
        } else {
            return false;
        }
    }
    return true;
}

json::value number(double d) {
    if (!std::isfinite(d)) {
        return nullptr;
    }
    return d;
}

bool to_json(const avro_value_t& const_value, json::value& out);

json::value boolean_to_json(avro_value_t* v) {
    int b = 0;
    avro_value_get_boolean(v, &b);
    return b != 0;
}

json::value int_to_json(avro_value_t* v) {
    int32_t i = 0;
    avro_value_get_int(v, &i);
    return static_cast<int64_t>(i);
}

json::value long_to_json(avro_value_t* v) {
    int64_t i = 0;
    avro_value_get_long(v, &i);
    return i;
}

json::value float_to_json(avro_value_t* v) {
    float f = 0;
    avro_value_get_float(v, &f);
    return number(static_cast<double>(f));
}

json::value double_to_json(avro_value_t* v) {
    double d = 0;
    avro_value_get_double(v, &d);
    return number(d);
}

json::value string_to_json(avro_value_t* v) {
    const char* s = nullptr;
    std::size_t size = 0;  // with the terminating NUL
    avro_value_get_string(v, &s, &size);
    return json::string(s, size > 0 ? size - 1 : 0);
}

json::value bytes_value_to_json(avro_value_t* v) {
    const void* buf = nullptr;
    std::size_t size = 0;
    avro_value_get_bytes(v, &buf, &size);
    return bytes_to_json(buf, size);
}

json::value fixed_to_json(avro_value_t* v) {
    const void* buf = nullptr;
    std::size_t size = 0;
    avro_value_get_fixed(v, &buf, &size);
    return bytes_to_json(buf, size);
}

bool enum_to_json(avro_value_t* v, json::value& out) {
    int symbol = 0;
    avro_value_get_enum(v, &symbol);
    avro_schema_t schema = avro_value_get_schema(v);
    // avro-c reads any index from the bytes, and looking up one the enum does not have
    // returns garbage instead of null.
    if (symbol < 0 || symbol >= avro_schema_enum_number_of_symbols(schema)) {
        return false;
    }
    const char* name = avro_schema_enum_get(schema, symbol);
    if (name == nullptr) {
        return false;
    }
    out = json::string(name);
    return true;
}

bool array_to_json(avro_value_t* v, json::value& out) {
    std::size_t size = 0;
    avro_value_get_size(v, &size);
    json::array arr;
    arr.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        avro_value_t child;
        if (avro_value_get_by_index(v, i, &child, nullptr) != 0 ||
            !to_json(child, arr.emplace_back(nullptr))) {
            return false;
        }
    }
    out = std::move(arr);
    return true;
}

// Maps and records alike: members by name, in the value's order.
bool object_to_json(avro_value_t* v, json::value& out) {
    std::size_t size = 0;
    avro_value_get_size(v, &size);
    json::object obj;
    obj.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        avro_value_t child;
        const char* name = nullptr;
        if (avro_value_get_by_index(v, i, &child, &name) != 0 || name == nullptr) {
            return false;
        }
        json::value member;
        if (!to_json(child, member)) {
            return false;
        }
        obj.insert_or_assign(name, std::move(member));
    }
    out = std::move(obj);
    return true;
}

bool union_to_json(avro_value_t* v, json::value& out) {
    avro_value_t branch;
    if (avro_value_get_current_branch(v, &branch) != 0) {
        return false;
    }
    return to_json(branch, out);  // the bare value, never {"type": value}
}

bool to_json(const avro_value_t& const_value, json::value& out) {
    // avro-c's accessors take a non-const value; none of the getters changes it.
    auto* v = const_cast<avro_value_t*>(&const_value);
    switch (avro_value_get_type(v)) {
        case AVRO_NULL:
            out = nullptr;
            return true;
        case AVRO_BOOLEAN:
            out = boolean_to_json(v);
            return true;
        case AVRO_INT32:
            out = int_to_json(v);
            return true;
        case AVRO_INT64:
            out = long_to_json(v);
            return true;
        case AVRO_FLOAT:
            out = float_to_json(v);
            return true;
        case AVRO_DOUBLE:
            out = double_to_json(v);
            return true;
        case AVRO_STRING:
            out = string_to_json(v);
            return true;
        case AVRO_BYTES:
            out = bytes_value_to_json(v);
            return true;
        case AVRO_FIXED:
            out = fixed_to_json(v);
            return true;
        case AVRO_ENUM:
            return enum_to_json(v, out);
        case AVRO_ARRAY:
            return array_to_json(v, out);
        case AVRO_MAP:
        case AVRO_RECORD:
            return object_to_json(v, out);
        case AVRO_UNION:
            return union_to_json(v, out);
        default:
            return false;
    }
}

// Writes `in` into `v`; on failure `error` says why, and `path` where.
class json_writer {
public:
    bool write(avro_value_t* v, const json::value& in) {
        switch (avro_value_get_type(v)) {
            case AVRO_NULL:
                return in.is_null() ? avro_value_set_null(v) == 0 : fail("expected null");
            case AVRO_BOOLEAN:
                return in.is_bool() ? avro_value_set_boolean(v, in.get_bool() ? 1 : 0) == 0
                                    : fail("expected a boolean");
            case AVRO_INT32:
                return write_int(v, in);
            case AVRO_INT64:
                return write_long(v, in);
            case AVRO_FLOAT:
                return write_float(v, in);
            case AVRO_DOUBLE:
                return write_double(v, in);
            case AVRO_STRING:
                return write_string(v, in);
            case AVRO_BYTES:
                return write_bytes(v, in);
            case AVRO_FIXED:
                return write_fixed(v, in);
            case AVRO_ENUM:
                return write_enum(v, in);
            case AVRO_ARRAY:
                return write_array(v, in);
            case AVRO_MAP:
                return write_map(v, in);
            case AVRO_RECORD:
                return write_record(v, in);
            case AVRO_UNION:
                return write_union(v, in);
            default:
                return fail("unsupported Avro type");
        }
    }

    std::string message() const {
        std::string where;
        for (const auto& p : path_) {
            where += '/';
            where += p;
        }
        return (where.empty() ? std::string("/") : where) + ": " + error_;
    }

private:
    static std::optional<int64_t> integer(const json::value& in) {
        if (in.is_int64()) {
            return in.get_int64();
        }
        if (in.is_uint64() && in.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
            return static_cast<int64_t>(in.get_uint64());
        }
        return std::nullopt;
    }

    bool write_int(avro_value_t* v, const json::value& in) {
        const auto i = integer(in);
        if (!i || *i < std::numeric_limits<int32_t>::min() ||
            *i > std::numeric_limits<int32_t>::max()) {
            return fail("expected an int (32-bit integer)");
        }
        return avro_value_set_int(v, static_cast<int32_t>(*i)) == 0;
    }

    bool write_long(avro_value_t* v, const json::value& in) {
        const auto i = integer(in);
        return i ? avro_value_set_long(v, *i) == 0 : fail("expected a long (64-bit integer)");
    }

    bool write_float(avro_value_t* v, const json::value& in) {
        return in.is_number()
                   ? avro_value_set_float(v, static_cast<float>(in.to_number<double>())) == 0
                   : fail("expected a number");
    }

    bool write_double(avro_value_t* v, const json::value& in) {
        return in.is_number() ? avro_value_set_double(v, in.to_number<double>()) == 0
                              : fail("expected a number");
    }

    bool write_string(avro_value_t* v, const json::value& in) {
        if (!in.is_string()) {
            return fail("expected a string");
        }
        const json::string& s = in.get_string();
        // The length avro-c takes counts the terminating NUL, which json::string keeps.
        return avro_value_set_string_len(v, s.c_str(), s.size() + 1) == 0;
    }

    // Bytes and fixed alike: `in` as bytes into bytes_.
    bool take_bytes(const json::value& in) {
        if (!in.is_string() || !json_to_bytes(in.get_string(), bytes_)) {
            return fail("expected a string of code points 0-255 (bytes)");
        }
        return true;
    }

    bool write_bytes(avro_value_t* v, const json::value& in) {
        if (!take_bytes(in)) {
            return false;
        }
        return avro_value_set_bytes(v, bytes_.data(), bytes_.size()) == 0;
    }

    bool write_fixed(avro_value_t* v, const json::value& in) {
        if (!take_bytes(in)) {
            return false;
        }
        const auto want =
            static_cast<std::size_t>(avro_schema_fixed_size(avro_value_get_schema(v)));
        if (bytes_.size() != want) {
            return fail("expected " + std::to_string(want) + " bytes (fixed)");
        }
        return avro_value_set_fixed(v, bytes_.data(), bytes_.size()) == 0;
    }

    bool write_enum(avro_value_t* v, const json::value& in) {
        if (!in.is_string()) {
            return fail("expected an enum symbol");
        }
        const int symbol =
            avro_schema_enum_get_by_name(avro_value_get_schema(v), in.get_string().c_str());
        return symbol >= 0 ? avro_value_set_enum(v, symbol) == 0 : fail("not a symbol of the enum");
    }

    // Writes a child under path segment `name`; on failure the segment stays in the path, so
    // that message() points at it.
    bool write_child(std::string name, avro_value_t* child, const json::value& in) {
        path_.push_back(std::move(name));
        if (!write(child, in)) {
            return false;
        }
        path_.pop_back();
        return true;
    }

    bool write_array(avro_value_t* v, const json::value& in) {
        if (!in.is_array()) {
            return fail("expected an array");
        }
        std::size_t index = 0;
        for (const auto& item : in.get_array()) {
            avro_value_t child;
            if (avro_value_append(v, &child, nullptr) != 0) {
                return fail(avro_strerror());
            }
            if (!write_child(std::to_string(index++), &child, item)) {
                return false;
            }
        }
        return true;
    }

    bool write_map(avro_value_t* v, const json::value& in) {
        if (!in.is_object()) {
            return fail("expected an object (map)");
        }
        for (const auto& member : in.get_object()) {
            avro_value_t child;
            std::string key(member.key());
            if (avro_value_add(v, key.c_str(), &child, nullptr, nullptr) != 0) {
                return fail(avro_strerror());
            }
            if (!write_child(std::move(key), &child, member.value())) {
                return false;
            }
        }
        return true;
    }

    bool write_record(avro_value_t* v, const json::value& in) {
        if (!in.is_object()) {
            return fail("expected an object (record)");
        }
        const json::object& obj = in.get_object();
        avro_schema_t schema = avro_value_get_schema(v);
        const std::size_t fields = avro_schema_record_size(schema);
        for (std::size_t i = 0; i < fields; ++i) {
            const char* name = avro_schema_record_field_name(schema, static_cast<int>(i));
            avro_value_t child;
            if (name == nullptr || avro_value_get_by_index(v, i, &child, nullptr) != 0) {
                return fail(avro_strerror());
            }
            // A missing field is written as null, which only a nullable field takes.
            static const json::value null_value;
            const auto it = obj.find(name);
            if (!write_child(name, &child, it == obj.end() ? null_value : it->value())) {
                if (it == obj.end()) {
                    error_ = "missing";
                }
                return false;
            }
        }
        return true;
    }

    bool write_union(avro_value_t* v, const json::value& in) {
        avro_schema_t schema = avro_value_get_schema(v);
        const std::size_t branches = avro_schema_union_size(schema);
        for (std::size_t i = 0; i < branches; ++i) {
            avro_value_t branch;
            if (avro_value_set_branch(v, static_cast<int>(i), &branch) != 0) {
                return fail(avro_strerror());
            }
            // A branch that does not fit may leave segments in the path: drop them.
            const auto depth = path_.size();
            if (write(&branch, in)) {
                return true;
            }
            path_.resize(depth);
        }
        return fail("fits no branch of the union");
    }

    bool fail(std::string why) {
        error_ = std::move(why);
        return false;
    }

    std::vector<std::string> path_;
    std::string error_;
    std::string bytes_;
};

}  // namespace

struct decoder::state {
    avro_value_t value{};
    bool value_ok = false;
    avro_reader_t reader = nullptr;
};

decoder::decoder(std::shared_ptr<const avro_schema> schema)
    : schema_(std::move(schema)), state_(std::make_unique<state>()) {
    state_->value_ok = avro_generic_value_new(schema_->iface(), &state_->value) == 0;
    state_->reader = avro_reader_memory(nullptr, 0);
}

decoder::~decoder() {
    if (state_->value_ok) {
        avro_value_decref(&state_->value);
    }
    if (state_->reader != nullptr) {
        avro_reader_free(state_->reader);
    }
}

core::result<json::value> decoder::decode(std::string_view payload) {
    if (!state_->value_ok || state_->reader == nullptr) {
        return core::bad_request(std::string("Avro: ") + avro_strerror());
    }
    if (!datum_bounds_fit(schema_->schema(), payload)) {
        return core::bad_request("not an Avro datum of the schema: a length beyond its bytes");
    }
    // Arrays and maps append on read: the value from the last datum must be emptied first.
    avro_value_reset(&state_->value);
    avro_reader_memory_set_source(state_->reader, payload.data(),
                                  static_cast<int64_t>(payload.size()));
    if (avro_value_read(state_->reader, &state_->value) != 0) {
        return core::bad_request(std::string("not an Avro datum of the schema: ") +
                                 avro_strerror());
    }
    json::value out;
    if (!to_json(state_->value, out)) {
        return core::bad_request("not an Avro datum of the schema");
    }
    return out;
}

core::result<json::value> decode(const avro_schema& schema, std::string_view payload) {
    if (!datum_bounds_fit(schema.schema(), payload)) {
        return core::bad_request("not an Avro datum of the schema: a length beyond its bytes");
    }
    owned_value value(schema);
    if (!value.ok()) {
        return core::bad_request(std::string("Avro: ") + avro_strerror());
    }
    std::unique_ptr<avro_reader_t_, decltype(&avro_reader_free)> reader(
        avro_reader_memory(payload.data(), static_cast<int64_t>(payload.size())), avro_reader_free);
    if (!reader || avro_value_read(reader.get(), value.get()) != 0) {
        return core::bad_request(std::string("not an Avro datum of the schema: ") +
                                 avro_strerror());
    }
    json::value out;
    if (!to_json(*value.get(), out)) {
        return core::bad_request("not an Avro datum of the schema");
    }
    return out;
}

core::result<std::string> encode(const avro_schema& schema, const json::value& in) {
    owned_value value(schema);
    if (!value.ok()) {
        return core::bad_request(std::string("Avro: ") + avro_strerror());
    }
    json_writer writer;
    if (!writer.write(value.get(), in)) {
        return core::bad_request("the value does not fit the Avro schema: " + writer.message());
    }
    std::size_t size = 0;
    if (avro_value_sizeof(value.get(), &size) != 0) {
        return core::bad_request(std::string("Avro: ") + avro_strerror());
    }
    std::string out(size, '\0');
    std::unique_ptr<avro_writer_t_, decltype(&avro_writer_free)> writer_out(
        avro_writer_memory(out.data(), static_cast<int64_t>(size)), avro_writer_free);
    if (!writer_out || avro_value_write(writer_out.get(), value.get()) != 0) {
        return core::bad_request(std::string("Avro: ") + avro_strerror());
    }
    return out;
}

}  // namespace rig::avro_codec
