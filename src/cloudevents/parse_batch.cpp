// The CloudEvents JSON batch format (application/cloudevents-batch+json): a JSON array of
// structured-mode events.
//
// Member boundaries come from simdjson's On-Demand API, not from a hand-written splitter: its
// stage 1 finds every structural character outside strings (escapes and UTF-8 validation
// included) and raw_json() returns each member's text as a view into the input, so there is no
// string-state machine of our own to get wrong. On-Demand does not validate what it skips, so
// the boundaries are then checked: each member is fully parsed by parse_structured (Boost.JSON),
// and the bytes around the members must be exactly the array's `[`, commas and `]` with
// whitespace. Together that validates the whole body as a JSON array, without a second parse
// of it. (Without -march flags simdjson's On-Demand uses its portable "fallback" kernel; for
// bodies bounded by RIG_MAX_BODY_BYTES that is fast enough, and the members' Boost.JSON parse
// costs more.)
#include <simdjson.h>

#include <boost/json/parse.hpp>
#include <string>

#include "cloudevents/parse.hpp"
#include "core/text.hpp"

namespace rig::cloudevents {
namespace {

namespace od = simdjson::ondemand;

core::error not_json(simdjson::error_code ec) {
    return core::bad_request(std::string("The batch is not valid JSON: ") +
                             simdjson::error_message(ec));
}

// The error for a body that does not start like an array. On-Demand only looked at its first
// character, so a full parse tells invalid JSON (`nonsense` starts like null) from a value of
// another kind; this is the error path only.
core::error not_an_array(std::string_view body) {
    boost::json::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec) {
        return core::bad_request("The batch is not valid JSON: " + ec.message());
    }
    const char* what = v.is_object()   ? "an object"
                       : v.is_string() ? "a string"
                       : v.is_bool()   ? "a boolean"
                       : v.is_null()   ? "null"
                                       : "a number";
    return core::bad_request(std::string("A batch must be a JSON array of CloudEvents, not ") +
                             what + ".");
}

// The text of one array member, as a view into the padded input. Objects and arrays are
// returned whole; a scalar is returned as its token (parse_structured then refuses it with its
// usual message).
simdjson::simdjson_result<std::string_view> member_text(od::value& value) {
    od::json_type type{};
    if (auto ec = value.type().get(type)) {
        return ec;
    }
    if (type == od::json_type::object) {
        od::object object;
        if (auto ec = value.get_object().get(object)) {
            return ec;
        }
        return object.raw_json();
    }
    if (type == od::json_type::array) {
        od::array array;
        if (auto ec = value.get_array().get(array)) {
            return ec;
        }
        return array.raw_json();
    }
    return value.raw_json_token();
}

// Is `gap` JSON whitespace around exactly one `c`?
bool is_punctuation(std::string_view gap, char c) {
    gap = core::trim(gap);
    return gap.size() == 1 && gap[0] == c;
}

// Is everything in `body` outside the `members` (views into `body`, in order) the array's
// punctuation: `[`, one comma between members, `]`, and whitespace? This catches what On-Demand
// tolerates, such as text after the closing bracket.
bool only_punctuation_around(std::string_view body, const std::vector<std::string_view>& members) {
    if (members.empty()) {
        const std::string_view t = core::trim(body);
        return t.size() >= 2 && t.front() == '[' && t.back() == ']' &&
               core::trim(t.substr(1, t.size() - 2)).empty();
    }
    const char* pos = body.data();
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (members[i].data() < pos ||
            !is_punctuation(std::string_view(pos, members[i].data()), i == 0 ? '[' : ',')) {
            return false;
        }
        pos = members[i].data() + members[i].size();
    }
    return is_punctuation(std::string_view(pos, body.data() + body.size()), ']');
}

}  // namespace

bool is_batch(std::string_view content_type) {
    return core::media_type(content_type) == batch_media_type;
}

core::result<std::vector<cloud_event>> parse_batch(std::string_view body,
                                                   std::string_view now_rfc3339,
                                                   std::size_t max_events) {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input: one padded copy.
    const simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc;
    od::json_type type{};
    od::array array;
    std::size_t count = 0;
    if (auto ec = parser.iterate(padded).get(doc)) {
        return not_json(ec);
    }
    if (auto ec = doc.type().get(type)) {
        return not_json(ec);
    }
    if (type != od::json_type::array) {
        return not_an_array(body);
    }
    if (auto ec = doc.get_array().get(array)) {
        return not_json(ec);
    }
    // Counting only walks the structure; the limit is enforced before any member is parsed.
    if (auto ec = array.count_elements().get(count)) {
        return not_json(ec);
    }
    if (count > max_events) {
        return core::error{core::condition::payload_too_large,
                           "The batch has " + std::to_string(count) + " events; at most " +
                               std::to_string(max_events) + " are allowed (RIG_MAX_BATCH_EVENTS)."};
    }

    std::vector<std::string_view> members;  // views into `body`
    members.reserve(count);
    for (auto element : array) {
        od::value value;
        std::string_view raw;
        auto ec = element.get(value);
        if (!ec) {
            ec = member_text(value).get(raw);
        }
        if (ec) {
            return not_json(ec);
        }
        members.push_back(
            body.substr(static_cast<std::size_t>(raw.data() - padded.data()), raw.size()));
    }
    if (members.size() != count || !only_punctuation_around(body, members)) {
        return not_json(simdjson::TAPE_ERROR);
    }

    std::vector<cloud_event> events;
    events.reserve(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        auto ev = parse_structured(members[i], now_rfc3339, validation::rig);
        if (!ev) {
            return core::error{ev.error().cond,
                               "batch member " + std::to_string(i) + ": " + ev.error().message};
        }
        events.push_back(std::move(*ev));
    }
    return events;
}

}  // namespace rig::cloudevents
