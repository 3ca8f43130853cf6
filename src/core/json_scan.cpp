#include "core/json_scan.hpp"

#include <cstring>
#include <limits>
#include <string>

namespace rig::core {
namespace dom = simdjson::dom;

namespace {

// Boost.JSON's parse_options::max_depth default: deeper documents are refused by both.
constexpr std::size_t max_depth = 32;

// The parser keeps its buffers (about 15 bytes per byte of the largest text) for the thread's
// life: larger texts are left to Boost.JSON, which frees its document.
constexpr std::size_t max_scanned_bytes = std::size_t{64} * 1024;

struct thread_scanner {
    dom::parser parser;
    std::string padded;                // the last text and SIMDJSON_PADDING readable bytes after it
    std::optional<dom::element> last;  // its document, when simdjson accepted it

    thread_scanner() {
        // A failed allocation shows again as a parse error, and the caller falls back.
        allocated = parser.allocate(4096, max_depth) == simdjson::SUCCESS;
    }
    bool allocated = false;
};

// One RFC 6901 reference token, `~0` and `~1` decoded; false for an invalid escape.
bool decode_token(std::string_view raw, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '~') {
            out += raw[i];
            continue;
        }
        if (i + 1 == raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) {
            return false;
        }
        out += raw[i + 1] == '0' ? '~' : '/';
        ++i;
    }
    return true;
}

// An array index token as Boost.JSON 1.81 reads one: digits only, no leading zero, no
// overflow; and an empty token is index 0 unless it ends the pointer (`/a//b` is a[0].b).
std::optional<std::size_t> array_index(std::string_view token, bool ends_pointer) {
    if (token.empty()) {
        return ends_pointer ? std::nullopt : std::optional<std::size_t>(0);
    }
    if (token.front() == '0' && token.size() > 1) {
        return std::nullopt;
    }
    std::size_t index = 0;
    for (const char c : token) {
        if (c < '0' || c > '9' || index > (std::numeric_limits<std::size_t>::max() - 9) / 10) {
            return std::nullopt;
        }
        index = index * 10 + static_cast<std::size_t>(c - '0');
    }
    return index;
}

}  // namespace

namespace {

// Whether the document holds a floating-point zero. simdjson reads a number whose exponent
// Boost.JSON refuses (more than INT_MAX, "exponent overflow") as 0 when it is negative or the
// digits are zeros, so such documents are left to Boost.JSON; zero written as a float ("0.0")
// goes there too, which costs only time. The check reads simdjson's tape (public, though
// documented as internal): a word per value, its tag in the top byte, and after a double's tag
// ('d') a word with its bits; the root word holds the index past the end. Every word is
// tested on its own, so there is no chain of loads to walk: a word that is not a tag but looks
// like 'd' is a number's payload, and the word after a payload is a tag, never 0 or 1 << 63.
bool has_float_zero(const dom::document& doc) {
    const uint64_t* tape = doc.tape.get();
    const uint64_t end = tape[0] & ((uint64_t{1} << 56) - 1);
    bool zero = false;
    for (uint64_t i = 1; i < end; ++i) {  // tape[end] is the closing root word
        zero |= ((tape[i] >> 56) == 'd') & ((tape[i + 1] << 1) == 0);  // +0.0 or -0.0
    }
    return zero;
}

// The document of the text `head` + `tail` (two pieces of one text around a left-out part);
// unless `parse`, only when it was the last text scanned.
std::optional<dom::element> scan_pieces(std::string_view head, std::string_view tail,
                                        bool parse = true) {
    thread_local thread_scanner scanner;
    const std::size_t size = head.size() + tail.size();
    if (!scanner.allocated || size > max_scanned_bytes) {
        // Without Boost.JSON's depth limit simdjson may accept too much; see max_scanned_bytes.
        return std::nullopt;
    }
    // The text of the last scan again (an event's checks, then its EXTRACTORS fields): its
    // document is still in the parser.
    if (scanner.padded.size() == size &&
        std::memcmp(scanner.padded.data(), head.data(), head.size()) == 0 &&
        (tail.empty() ||
         std::memcmp(scanner.padded.data() + head.size(), tail.data(), tail.size()) == 0)) {
        return scanner.last;
    }
    if (!parse) {
        return std::nullopt;
    }
    scanner.padded.reserve(size + simdjson::SIMDJSON_PADDING);
    scanner.padded.assign(head);
    scanner.padded.append(tail);
    dom::element root;
    scanner.last.reset();
    if (scanner.parser.parse(scanner.padded.data(), size, false).get(root) == simdjson::SUCCESS &&
        !has_float_zero(scanner.parser.doc)) {
        scanner.last = root;
    }
    return scanner.last;
}

}  // namespace

std::optional<dom::element> scan_json(std::string_view text) {
    return scan_pieces(text, {});
}

namespace {

// scan_pieces for `text` without its bytes [at, at + size); nullopt when they are not in it.
std::optional<dom::element> scan_without(std::string_view text, std::size_t at, std::size_t size,
                                         bool parse) {
    if (at > text.size() || size > text.size() - at) {
        return std::nullopt;
    }
    return scan_pieces(text.substr(0, at), text.substr(at + size), parse);
}

}  // namespace

std::optional<dom::element> scan_json_without(std::string_view text, std::size_t at,
                                              std::size_t size) {
    return scan_without(text, at, size, true);
}

std::optional<dom::element> last_scan_without(std::string_view text, std::size_t at,
                                              std::size_t size) {
    return scan_without(text, at, size, false);
}

std::optional<dom::element> last_member(dom::object object, std::string_view key) {
    std::optional<dom::element> found;
    for (const dom::key_value_pair field : object) {
        if (field.key == key) {
            found = field.value;
        }
    }
    return found;
}

std::optional<dom::element> find_pointer(dom::element root, std::string_view pointer) {
    std::string key;
    std::optional<dom::element> at = root;
    while (!pointer.empty()) {
        if (pointer.front() != '/') {
            return std::nullopt;
        }
        pointer.remove_prefix(1);
        const std::string_view token = pointer.substr(0, pointer.find('/'));
        pointer.remove_prefix(token.size());
        dom::object object;
        dom::array array;
        if (at->get(object) == simdjson::SUCCESS) {
            // Tokens are escape-free as a rule: read as they are, not copied.
            const bool escaped = token.find('~') != std::string_view::npos;
            if (escaped && !decode_token(token, key)) {
                return std::nullopt;
            }
            at = last_member(object, escaped ? std::string_view(key) : token);
        } else if (at->get(array) == simdjson::SUCCESS) {
            const auto index = array_index(token, pointer.empty());
            if (!index) {
                return std::nullopt;
            }
            dom::element item;
            if (array.at(*index).get(item) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            at = item;
        } else {
            return std::nullopt;
        }
        if (!at) {
            return std::nullopt;
        }
    }
    return at;
}

}  // namespace rig::core
