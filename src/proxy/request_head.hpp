#pragma once

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace rig::proxy {

// The request as the backend gets it: method, target (path and query) and the headers after
// §8.6's rewriting (Host included); the body is the client's.
struct backend_request {
    http::verb method = http::verb::get;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Appends the HTTP/1.1 request line and header block of `req` to `out`, ending with the empty
// line: "METHOD target HTTP/1.1", each header as "name: value" in the given order and spelling,
// then "content-length: N" when `content_length` is given. Written by hand rather than through
// Beast's serializer because it is on every proxied request's path and one contiguous buffer
// is what the socket gets anyway. A header whose name is empty or whose name or value holds a
// CR, LF or NUL is left out (it would end the head early: header injection).
void append_request_head(std::string& out, const backend_request& req,
                         std::optional<std::uint64_t> content_length);

}  // namespace rig::proxy
