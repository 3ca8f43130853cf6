#include "transport/longpoll_cookie.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/pct_string_view.hpp>

#include "core/json_text.hpp"

namespace rig::transport {
namespace {

// cookie-octet (RFC 6265) minus '%', which is the escape.
constexpr boost::urls::grammar::lut_chars cookie_octets([](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c <= 0x2b && c != 0x25) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
});

}  // namespace

std::string encode_last_event_id(std::string_view id) {
    const std::string quoted = core::json_quote(id);
    return '"' +
           boost::urls::encode(std::string_view(quoted).substr(1, quoted.size() - 2),
                               cookie_octets) +
           '"';
}

std::string decode_last_event_id(std::string_view cookie) {
    auto pct = boost::urls::make_pct_string_view(cookie);
    if (!pct) {
        return std::string(longpoll_first_event);
    }
    boost::json::error_code ec;
    auto v = boost::json::parse(pct->decode(), ec);
    if (ec || !v.is_string()) {
        return std::string(longpoll_first_event);
    }
    return std::string(v.get_string());
}

}  // namespace rig::transport
