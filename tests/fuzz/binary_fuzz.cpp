// Fuzz target for CloudEvents over transports: parse_http (an HTTP submission, structured or
// binary mode, as http_publisher calls it) and parse_message (Kafka and NATS messages).
//
// Input, split deterministically: the first line names the binding ("http", "kafka" or
// "nats"; anything else is skipped); each following line up to an empty line is a header
// "name: value" (split at the first ':', value trimmed as the transports deliver it; a line
// without ':' is a header with an empty value); the rest is the body. For HTTP, "ce-*" headers
// become attribute headers (lowercased, prefix removed) and "content-type" the content type.
//
// Invariants beyond "no crash": an accepted event's text parses to its document, has a
// non-empty type and id, and passes parse_structured again (with the binding's rules) to the
// same event; a body that is not UTF-8 arrives base64-encoded (1.0 data_base64, 0.3 data)
// and decodes to itself; a structured-mode message is
// decided exactly as parse_structured decides its body.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudevents/parse.hpp"
#include "core/base64url.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using namespace rig::cloudevents;

constexpr std::string_view now = "2020-01-01T00:00:00Z";

struct split_input {
    std::string_view binding_name;
    std::vector<message_header> headers;
    std::string_view body;
};

split_input split(std::string_view in) {
    split_input out;
    auto next_line = [&in]() {
        const auto nl = in.find('\n');
        std::string_view line = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        return line;
    };
    out.binding_name = next_line();
    while (!in.empty()) {
        const std::string_view line = next_line();
        if (line.empty()) {
            break;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            out.headers.push_back({line, {}});
        } else {
            out.headers.push_back({line.substr(0, colon), rig::core::trim(line.substr(colon + 1))});
        }
    }
    out.body = in;
    return out;
}

// What a transport with these rules must have produced.
void check_event(const cloud_event& ev, validation rules, std::string_view body) {
    require(!ev.type.empty() && !ev.id.empty());
    const json::value document = json::parse(ev.json);
    require(document.is_object());
    const auto again = parse_structured(ev.json, now, rules);
    require(again && again->json == ev.json && again->type == ev.type && again->id == ev.id &&
            again->version == ev.version);
    // A body that is not UTF-8 can only have come in binary mode, base64-encoded: 1.0's
    // data_base64, or 0.3's data with datacontentencoding "base64".
    if (!body.empty() && !rig::core::is_valid_utf8(body)) {
        require(ev.version == spec_version::v1_0 || ev.version == spec_version::v0_3);
        const auto* b64 = document.as_object().if_contains(
            ev.version == spec_version::v1_0 ? "data_base64" : "data");
        require(b64 != nullptr && b64->is_string());
        std::string url(b64->get_string());
        for (auto& c : url) {
            c = c == '+' ? '-' : c == '/' ? '_' : c;
        }
        require(rig::core::base64url_decode(url) == std::optional<std::string>(body));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const auto in = split(std::string_view(reinterpret_cast<const char*>(data), size));
    if (in.binding_name == "http") {
        std::vector<std::string> names;
        names.reserve(in.headers.size());  // no reallocation: the views below stay valid
        std::vector<attribute_header> ce;
        std::string_view content_type;
        for (const auto& h : in.headers) {
            const std::string lname = rig::core::lower(h.name);
            if (lname == "content-type") {
                content_type = h.value;
            } else if (lname.starts_with("ce-")) {
                names.push_back(lname.substr(3));
                ce.push_back({names.back(), h.value});
            }
        }
        const auto ev = parse_http(ce, content_type, in.body, now);
        if (ev) {
            check_event(*ev, validation::rig, in.body);
        }
        if (media_type(content_type) == "application/cloudevents+json") {
            require(ev.has_value() == parse_structured(in.body, now).has_value());
        }
        return 0;
    }
    binding b{};
    if (in.binding_name == "kafka") {
        b = binding::kafka;
    } else if (in.binding_name == "nats") {
        b = binding::nats;
    } else {
        return 0;
    }
    const validation rules = b == binding::kafka ? validation::strict : validation::rig;
    const auto ev = parse_message(in.headers, b, in.body, now);
    if (ev) {
        check_event(*ev, rules, in.body);
    }
    // Structured mode: no content type (and no Avro magic byte), or a CloudEvents JSON one.
    std::string content_type;
    for (const auto& h : in.headers) {
        if (rig::core::lower(h.name) == "content-type") {
            content_type = std::string(h.value);
        }
    }
    const std::string mt = media_type(content_type);
    const bool avro = in.body.size() >= 5 && in.body[0] == '\0';
    if ((mt.empty() && !avro) || mt == "application/cloudevents+json") {
        require(ev.has_value() == parse_structured(in.body, now, rules).has_value());
    }
    return 0;
}
