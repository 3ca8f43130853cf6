#include "tracing/tracing_options.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

#include "core/text.hpp"

namespace rig::tracing {
namespace {

constexpr std::string_view span_path = "/api/v2/spans";

core::error bad(const char* name, const std::string& what, const std::string& value) {
    return core::bad_request(std::string(name) + ": " + what + ", got \"" + value + "\"");
}

std::optional<core::error> read_count(const env_lookup& env, const char* name, uint64_t min,
                                      uint64_t max, uint64_t& out) {
    const auto raw = env(name);
    if (!raw || core::trim(*raw).empty()) {
        return std::nullopt;
    }
    const std::string_view v = core::trim(*raw);
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < min || n > max) {
        return bad(
            name,
            "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max),
            *raw);
    }
    out = n;
    return std::nullopt;
}

}  // namespace

core::result<std::string> zipkin_url(std::string_view addr) {
    std::string url(core::trim(addr));
    if (url.find("://") == std::string::npos) {
        url = "http://" + url;
    }
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        return core::bad_request("not a URL or host:port");
    }
    const std::string scheme = core::lower(std::string(parsed->scheme()));
    if (scheme != "http" && scheme != "https") {
        return core::bad_request("expected an http:// or https:// URL");
    }
    if (parsed->encoded_host().empty()) {
        return core::bad_request("the URL names no host");
    }
    if (const auto port = parsed->port();
        parsed->has_port() && (port.empty() || port.size() > 5 ||
                               port.find_first_not_of("0123456789") != std::string_view::npos ||
                               std::stoul(std::string(port)) > 65535)) {
        return core::bad_request("the port is not a number from 0 to 65535");
    }
    if (parsed->encoded_path().empty() || parsed->encoded_path() == "/") {
        while (!url.empty() && url.back() == '/') {
            url.pop_back();
        }
        url += span_path;
    }
    return url;
}

std::optional<core::error> read_tracing_options(const env_lookup& env, tracing_options& out) {
    tracing_options o = out;
    if (auto v = env("ZIPKIN_ADDR"); v && !core::trim(*v).empty()) {
        auto url = zipkin_url(*v);
        if (!url) {
            return bad("ZIPKIN_ADDR", url.error().message, *v);
        }
        o.zipkin_url = std::move(*url);
    }
    if (auto v = env("ZIPKIN_SERVICE_NAME"); v && !core::trim(*v).empty()) {
        o.service_name = std::string(core::trim(*v));
    }
    if (auto v = env("JAEGER_HOST"); v && !core::trim(*v).empty()) {
        o.jaeger_host = std::string(core::trim(*v));
    }
    uint64_t n = o.queue_limit;
    if (auto e = read_count(env, "RIG_ZIPKIN_QUEUE", 1, 10'000'000, n)) {
        return *e;
    }
    o.queue_limit = n;
    n = o.batch_size;
    if (auto e = read_count(env, "RIG_ZIPKIN_BATCH", 1, 100'000, n)) {
        return *e;
    }
    o.batch_size = n;
    n = static_cast<uint64_t>(o.interval.count());
    if (auto e = read_count(env, "RIG_ZIPKIN_INTERVAL_MS", 10, 3'600'000, n)) {
        return *e;
    }
    o.interval = std::chrono::milliseconds(n);
    n = static_cast<uint64_t>(o.timeout.count());
    if (auto e = read_count(env, "RIG_ZIPKIN_TIMEOUT_MS", 100, 600'000, n)) {
        return *e;
    }
    o.timeout = std::chrono::milliseconds(n);
    n = o.max_tracestate_bytes;
    if (auto e = read_count(env, "RIG_TRACESTATE_MAX_BYTES", 0, 65'536, n)) {
        return *e;
    }
    o.max_tracestate_bytes = n;
    out = std::move(o);
    return std::nullopt;
}

}  // namespace rig::tracing
