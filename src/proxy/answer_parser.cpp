#include "proxy/answer_parser.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <cstring>

#include "core/text.hpp"
#include "proxy/backend_client.hpp"

namespace rig::proxy {
namespace bhttp = boost::beast::http;

void answer_parser::on_request_impl(bhttp::verb, string_view, string_view, int, error_code& ec) {
    ec = bhttp::error::bad_method;  // a response parser never sees a request line
}

// The reason phrase and version are the session's own when it sends the answer on.
void answer_parser::on_response_impl(int code, string_view, int, error_code&) {
    res_.result(static_cast<unsigned>(code));
}

void answer_parser::on_field_impl(bhttp::field name, string_view name_string, string_view value,
                                  error_code&) {
    if (name == bhttp::field::content_length) {
        return;
    }
    name_.resize(name_string.size());
    std::transform(name_string.begin(), name_string.end(), name_.begin(), core::ascii_lower);
    if (hop_by_hop(name_)) {
        return;
    }
    res_.insert(name, name_, value);
}

void answer_parser::on_header_impl(error_code&) {}

void answer_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
    // The parser's body limit bounds it; a declared length is allocated once.
    if (!streaming_ && content_length && *content_length <= res_.body().max_size()) {
        res_.body().reserve(static_cast<std::size_t>(*content_length));
    }
}

std::size_t answer_parser::on_body_impl(string_view body, error_code& ec) {
    if (!streaming_) {
        res_.body().append(body.data(), body.size());
        return body.size();
    }
    const std::size_t n = std::min(body.size(), out_size_ - out_used_);
    if (n == 0) {
        ec = bhttp::error::need_buffer;
        return 0;
    }
    std::memcpy(out_ + out_used_, body.data(), n);
    out_used_ += n;
    return n;
}

void answer_parser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t answer_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
    return on_body_impl(body, ec);
}

void answer_parser::on_finish_impl(error_code&) {}

}  // namespace rig::proxy
