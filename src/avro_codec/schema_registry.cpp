#include "avro_codec/schema_registry.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/log.hpp"

namespace rig::avro_codec {
namespace {

log::rate_limited registry_log{2};

size_t append(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::string escape_path_segment(std::string_view s) {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xf]);
        }
    }
    return out;
}

}  // namespace

std::string registry_url(std::string_view host) {
    std::string url(host);
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    if (url.find("://") == std::string::npos) {
        url = "http://" + url;
    }
    return url;
}

schema_registry::schema_registry(schema_registry_options options) : options_(std::move(options)) {
    options_.url = registry_url(options_.url);
}

schema_registry::answer schema_registry::get(const std::string& path) const {
    answer a;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        a.error = "curl_easy_init failed";
        return a;
    }
    const std::string url = options_.url + path;
    std::array<char, CURL_ERROR_SIZE> error{};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    const CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.http_status);
    } else {
        a.error = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
    }
    curl_easy_cleanup(curl);
    return a;
}

bool schema_registry::in_backoff() {
    std::lock_guard lock(mutex_);
    return backoff_.count() > 0 && std::chrono::steady_clock::now() < retry_at_;
}

schema_registry::lookup schema_registry::settle(const answer& a, const std::string& what,
                                                bool want_id) {
    lookup out;
    std::string problem;
    if (a.http_status == 404) {
        out.result = status::not_found;
        ++stats_.not_found;
        registry_log.info("schema registry: {} not found", what);
        return out;
    }
    if (a.http_status == 200) {
        boost::system::error_code ec;
        const boost::json::value doc = boost::json::parse(a.body, ec);
        const auto* obj = ec ? nullptr : doc.if_object();
        const auto* text = obj ? obj->if_contains("schema") : nullptr;
        const auto* id = obj ? obj->if_contains("id") : nullptr;
        if (text != nullptr && text->is_string() && (!want_id || (id && id->is_int64()))) {
            auto parsed = avro_schema::parse(text->get_string());
            if (parsed) {
                out.result = status::ok;
                out.schema = std::move(*parsed);
                out.id = id ? static_cast<int32_t>(id->get_int64()) : 0;
                ++stats_.fetched;
                std::lock_guard lock(mutex_);
                backoff_ = std::chrono::milliseconds(0);
                return out;
            }
            // The registry answered, but with a schema avro-c refuses: like a missing one.
            out.result = status::not_found;
            ++stats_.not_found;
            registry_log.info("schema registry: {}: {}", what, parsed.error().message);
            return out;
        }
        problem = "an answer without a schema";
    } else if (a.http_status != 0) {
        problem = "HTTP " + std::to_string(a.http_status);
    } else {
        problem = a.error;
    }
    ++stats_.unavailable;
    std::chrono::milliseconds wait;
    {
        std::lock_guard lock(mutex_);
        backoff_ = std::min(backoff_.count() == 0 ? std::chrono::milliseconds(500) : backoff_ * 2,
                            options_.backoff_max);
        wait = backoff_;
        retry_at_ = std::chrono::steady_clock::now() + backoff_;
    }
    registry_log.info("schema registry {}: {} failed ({}); next attempt in {} ms", options_.url,
                      what, problem, wait.count());
    return out;
}

schema_registry::lookup schema_registry::by_id(int32_t id) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = by_id_.find(id); it != by_id_.end()) {
            return {status::ok, it->second, id};
        }
        if (missing_ids_.contains(id)) {
            return {status::not_found, nullptr, id};
        }
    }
    if (in_backoff()) {
        ++stats_.unavailable;
        return {status::unavailable, nullptr, id};
    }
    lookup out =
        settle(get("/schemas/ids/" + std::to_string(id)), "schema id " + std::to_string(id), false);
    out.id = id;
    std::lock_guard lock(mutex_);
    if (out.result == status::ok) {
        by_id_.emplace(id, out.schema);
    } else if (out.result == status::not_found) {
        missing_ids_.insert(id);
    }
    return out;
}

schema_registry::lookup schema_registry::latest(std::string_view subject) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = by_subject_.find(subject); it != by_subject_.end()) {
            return it->second;
        }
    }
    if (in_backoff()) {
        ++stats_.unavailable;
        return {status::unavailable, nullptr, 0};
    }
    // A subject that is missing now may be registered later: only schemas are cached.
    lookup out = settle(get("/subjects/" + escape_path_segment(subject) + "/versions/latest"),
                        "subject " + std::string(subject), true);
    if (out.result == status::ok) {
        std::lock_guard lock(mutex_);
        by_subject_.emplace(std::string(subject), out);
        by_id_.emplace(out.id, out.schema);
    }
    return out;
}

std::string render_registry_metrics(const schema_registry& registry) {
    const auto& s = registry.stats();
    return fmt::format(
        "# HELP rig_schema_registry_lookups_total Schema registry lookups of schemas not yet "
        "cached, by result.\n# TYPE rig_schema_registry_lookups_total counter\n"
        "rig_schema_registry_lookups_total{{result=\"fetched\"}} {}\n"
        "rig_schema_registry_lookups_total{{result=\"not_found\"}} {}\n"
        "rig_schema_registry_lookups_total{{result=\"unavailable\"}} {}\n",
        s.fetched.load(), s.not_found.load(), s.unavailable.load());
}

}  // namespace rig::avro_codec
