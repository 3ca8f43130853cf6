#pragma once

#include <string>
#include <string_view>

namespace rig::transport {

// The last_event_id cookie of long polling (spec §2.6): the id of the last event a poll
// returned, which the next poll resumes after. It travels JSON-encoded, as in RIG
// ("first_event" with its quotes), with what a cookie value cannot hold inside the quotes
// percent-encoded. Comes back from clients: decoding accepts any bytes.

// What a session that has returned no event yet resumes from.
inline constexpr std::string_view longpoll_first_event = "first_event";

// The cookie value for `id`: a quoted string of RFC 6265 cookie-octets only.
std::string encode_last_event_id(std::string_view id);

// The id a cookie value names; longpoll_first_event for anything that is not a percent-encoded
// JSON string.
std::string decode_last_event_id(std::string_view cookie);

}  // namespace rig::transport
