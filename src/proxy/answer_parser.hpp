#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/message.hpp"

namespace rig::proxy {

// Parses a backend's answer straight into the response the client gets (spec §8.6): the
// status, the headers with their names in lower case (RIG's) and without the hop-by-hop ones
// and Content-Length (the session frames the answer anew), and, when read whole, the body.
// Beast's response_parser would first build a message of its own that then had to be copied
// header by header (an allocation for each, twice).
//
// The body goes either into response().body() (the default), or, to stream it, into the
// caller's buffer given by stream_into(): when that is full, put() stops with
// http::error::need_buffer, as with Beast's buffer_body.
//
// @par Thread safety
// Distinct objects: safe. Shared objects: unsafe.
class answer_parser final : public boost::beast::http::basic_parser<false> {
public:
    answer_parser() = default;

    http::response& response() { return res_; }
    const http::response& response() const { return res_; }

    // From now on the body goes into [data, data + size) instead of response().body().
    void stream_into(char* data, std::size_t size) {
        out_ = data;
        out_size_ = size;
        out_used_ = 0;
        streaming_ = true;
    }
    // How much of the buffer given to stream_into() the body filled.
    std::size_t streamed() const { return out_used_; }

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                         error_code& ec) override;
    void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
    void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                       error_code& ec) override;
    void on_header_impl(error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           error_code& ec) override;
    std::size_t on_body_impl(string_view body, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
    void on_finish_impl(error_code& ec) override;

    http::response res_;
    std::string name_;  // the field name being lowered, one buffer for all of them
    char* out_ = nullptr;
    std::size_t out_size_ = 0;
    std::size_t out_used_ = 0;
    bool streaming_ = false;
};

}  // namespace rig::proxy
