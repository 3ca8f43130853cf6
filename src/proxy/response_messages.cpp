#include "proxy/response_messages.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>

#include "core/big_endian.hpp"
#include "core/text.hpp"

namespace rig::proxy {
namespace {

constexpr std::string_view error_prefix = "Failed to parse request body: ";

// Headers that belong to one connection or to the framing of one message.
constexpr std::array<std::string_view, 8> framing_headers = {
    "connection", "keep-alive", "proxy-connection",  "te",
    "trailer",    "upgrade",    "transfer-encoding", "content-length"};

// Headers of a POST /v3/responses that describe that call, not the response it carries.
constexpr std::array<std::string_view, 21> request_headers = {"host",
                                                              "authorization",
                                                              "proxy-authorization",
                                                              "cookie",
                                                              "expect",
                                                              "user-agent",
                                                              "accept",
                                                              "accept-charset",
                                                              "accept-encoding",
                                                              "accept-language",
                                                              "origin",
                                                              "referer",
                                                              "forwarded",
                                                              "x-forwarded-for",
                                                              "x-forwarded-host",
                                                              "x-forwarded-port",
                                                              "x-forwarded-proto",
                                                              "x-real-ip",
                                                              "x-request-id",
                                                              "traceparent",
                                                              "tracestate"};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// RFC 9110 token characters.
bool is_token(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                   std::string_view::npos;
    });
}

bool is_safe_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The headers of `headers` that the waiting client gets (see the header file).
std::vector<std::pair<std::string, std::string>> passed_on(std::span<const message_header> headers,
                                                           bool drop_request_headers) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& h : headers) {
        std::string name = core::lower(h.name);
        if (name == "rig-correlation" || name == "rig-response-code" || !is_token(name) ||
            !is_safe_value(h.value) || listed(framing_headers, name) ||
            (drop_request_headers && listed(request_headers, name))) {
            continue;
        }
        out.emplace_back(std::move(name), std::string(h.value));
    }
    return out;
}

// The value of the first header called `name` (lowercase), if any.
std::optional<std::string_view> find_header(std::span<const message_header> headers,
                                            std::string_view name) {
    for (const auto& h : headers) {
        if (h.name.size() == name.size() && core::lower(h.name) == name) {
            return h.value;
        }
    }
    return std::nullopt;
}

// `text` as Elixir's inspect/1 prints a string, for error bodies in RIG's words.
std::string inspect(std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

bool is_decimal(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return v;
}

bool is_status(uint64_t code) {
    return code >= 100 && code <= 599;
}

response_parse_result failure(std::string_view reason) {
    return {std::nullopt, std::string(error_prefix).append(reason)};
}

const boost::json::value* member(const boost::json::value& v, std::string_view key) {
    const auto* object = v.if_object();
    return object == nullptr ? nullptr : object->if_contains(key);
}

}  // namespace

response_parse_result parse_v3_response(std::span<const message_header> headers,
                                        std::string_view body) {
    const auto correlation = find_header(headers, "rig-correlation");
    const auto code_text = find_header(headers, "rig-response-code");
    if (!correlation || !code_text) {
        return failure(":error");
    }
    const std::string_view code_digits = core::trim(*code_text);
    if (!is_decimal(code_digits)) {
        return failure("{:error, {:not_an_integer, " + inspect(*code_text) + "}}");
    }
    const auto code = parse_decimal(code_digits);
    if (!code || !is_status(*code)) {
        return failure("{:error, {:invalid_status_code, " + std::string(code_digits) + "}}");
    }
    async_response response{static_cast<unsigned>(*code), passed_on(headers, true),
                            std::string(body)};
    return {correlated_response{std::string(*correlation), std::move(response)}, {}};
}

response_parse_result parse_v2_response(std::string_view body) {
    boost::system::error_code ec;
    const boost::json::value event = boost::json::parse(body, ec);
    if (ec || !event.is_object()) {
        return failure(":error");
    }
    const boost::json::value* rig = member(event, "rig");
    if (rig == nullptr) {
        if (const auto* extensions = member(event, "extensions")) {
            rig = member(*extensions, "rig");
        }
    }
    const boost::json::value* correlation = rig == nullptr ? nullptr : member(*rig, "correlation");
    if (correlation == nullptr || !correlation->is_string()) {
        return failure(":error");
    }
    async_response response{
        200, {{"content-type", "application/json; charset=utf-8"}}, std::string(body)};
    return {correlated_response{std::string(correlation->get_string()), std::move(response)}, {}};
}

std::optional<correlated_response> parse_kafka_response(std::span<const message_header> headers,
                                                        std::string_view payload) {
    const auto correlation = find_header(headers, "rig-correlation");
    const auto code_value = find_header(headers, "rig-response-code");
    if (!correlation || correlation->empty() || !code_value) {
        return std::nullopt;
    }
    std::optional<uint64_t> code;
    if (const std::string_view digits = core::trim(*code_value); is_decimal(digits)) {
        code = parse_decimal(digits);
    } else if (code_value->size() == 2 || code_value->size() == 4 || code_value->size() == 8) {
        // An integer-encoded header, as Kafka clients write numbers.
        code = core::get_big_endian(*code_value, 0, static_cast<int>(code_value->size()));
    }
    if (!code || !is_status(*code)) {
        return std::nullopt;
    }
    async_response response{static_cast<unsigned>(*code), passed_on(headers, false),
                            std::string(payload)};
    return correlated_response{std::string(*correlation), std::move(response)};
}

std::optional<correlated_response> parse_kinesis_response(std::string_view data) {
    boost::system::error_code ec;
    const boost::json::value record = boost::json::parse(data, ec);
    const boost::json::value* headers_value = ec ? nullptr : member(record, "headers");
    if (headers_value == nullptr || !headers_value->is_object()) {
        return std::nullopt;
    }
    // Numbers become decimal text; the views below point into `texts` and `record`.
    std::vector<std::string> texts;
    texts.reserve(headers_value->get_object().size());
    std::vector<message_header> headers;
    for (const auto& [name, value] : headers_value->get_object()) {
        std::string_view text;
        if (value.is_string()) {
            text = value.get_string();
        } else if (value.is_int64() || value.is_uint64()) {
            text = texts.emplace_back(boost::json::serialize(value));
        } else {
            return std::nullopt;
        }
        const std::string_view header_name(name.data(), name.size());
        // Text only: the binary integers of Kafka headers have no place in JSON.
        if (core::lower(header_name) == "rig-response-code" && !is_decimal(core::trim(text))) {
            return std::nullopt;
        }
        headers.push_back({header_name, text});
    }
    std::string body;
    if (const auto* b = member(record, "body"); b != nullptr && !b->is_null()) {
        body = b->is_string() ? std::string(b->get_string()) : boost::json::serialize(*b);
    }
    return parse_kafka_response(headers, body);
}

}  // namespace rig::proxy
