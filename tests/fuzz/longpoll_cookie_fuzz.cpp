// Fuzz target for long polling's cookies: the Cookie header a client sends back, read with
// http::cookie, and the last_event_id value in it (transport/longpoll_cookie).
//
// Input: a Cookie header value. Invariants beyond "no crash":
// - the last_event_id it names (or first_event) is valid UTF-8, and encoding it gives a
//   quoted value of cookie-octets that, sent back in a Cookie header next to a
//   connection_token, reads back (with http::cookie) as exactly that value and decodes to the
//   same id;
// - the input itself, when it is valid UTF-8, taken as an event id round-trips the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "http/request_parts.hpp"
#include "require.hpp"
#include "transport/longpoll_cookie.hpp"

namespace {

using rig::fuzz::require;

using rig::transport::decode_last_event_id;
using rig::transport::encode_last_event_id;

bool cookie_octet(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

// The cookie value rig sets for `id` survives the trip through a client's Cookie header.
void require_round_trip(std::string_view id) {
    const std::string value = encode_last_event_id(id);
    require(value.size() >= 2 && value.front() == '"' && value.back() == '"');
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        require(cookie_octet(value[i]));
    }
    rig::http::request req;
    req.set(rig::http::field::cookie, "connection_token=abc; last_event_id=" + value + "; x=1");
    require(rig::http::cookie(req, "last_event_id") == value);
    require(decode_last_event_id(value) == id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    rig::http::request req;
    req.set(rig::http::field::cookie, input);
    const auto last = rig::http::cookie(req, "last_event_id");
    const std::string id =
        last ? decode_last_event_id(*last) : std::string(rig::transport::longpoll_first_event);
    require(rig::core::is_valid_utf8(id));
    require_round_trip(id);
    (void)rig::http::cookie(req, "connection_token");
    if (rig::core::is_valid_utf8(input)) {
        require_round_trip(input);
    }
    return 0;
}
