#pragma once

#include <simdjson.h>

#include <optional>
#include <string_view>

namespace rig::core {

// JSON read with simdjson's DOM parser, one per thread: its tape and string buffers are
// reused, so a document costs no allocation once the thread has seen one as large, and the
// stage that finds the structure runs on the CPU's widest kernel (chosen at run time).
//
// It is a fast path in front of Boost.JSON, whose verdict is rig's: where the two disagree
// simdjson is the stricter (it refuses numbers beyond a double's range or 64-bit integers, and
// objects nested 32 deep, which Boost.JSON accepts), and scan_json then answers nullopt so that
// the caller asks Boost.JSON. It never accepts a text Boost.JSON refuses: the depth limit is
// Boost.JSON's 32; simdjson reads exponents beyond INT_MAX, which Boost.JSON refuses, as 0 when
// they are negative, so documents holding a floating-point zero are nullopt (the fuzz target
// found it); and tests/fuzz/event_scan_fuzz.cpp compares the two on every input. Texts over
// 64 KiB are nullopt too (the parser would keep buffers that large for the thread's life).
//
// The element stays valid until the next scan_json of another text on the same thread; a scan
// of the same text as the last one answers from the document still in the parser.
std::optional<simdjson::dom::element> scan_json(std::string_view text);

// The same for `text` without its bytes [at, at + size): for an event rig stamped a time into,
// the text it had before (cloud_event::stamp_size), whose document the memo may still hold
// from the event's checks. nullopt when the range is not inside `text`.
std::optional<simdjson::dom::element> scan_json_without(std::string_view text, std::size_t at,
                                                        std::size_t size);

// The same when the memo holds that text, else nullopt: nothing is parsed (for a reader that
// has a cheaper answer than a parse, such as a byte test).
std::optional<simdjson::dom::element> last_scan_without(std::string_view text, std::size_t at,
                                                        std::size_t size);

// The value of the last member called `key`: Boost.JSON keeps the last of duplicate keys.
std::optional<simdjson::dom::element> last_member(simdjson::dom::object object,
                                                  std::string_view key);

// The value at RFC 6901 pointer `pointer`, found as boost::json::value::find_pointer (Boost
// 1.81) finds it: "" is the document; in an object a token names the last member of that name
// (`~0` is '~', `~1` is '/'); in an array a token is a decimal index without leading zeros
// ("-" finds nothing), and an empty token is index 0 unless it is the pointer's last.
// Whether a number is a double: `element::type() == element_type::DOUBLE` (is_double() is
// also true for integers).
std::optional<simdjson::dom::element> find_pointer(simdjson::dom::element root,
                                                   std::string_view pointer);

}  // namespace rig::core
