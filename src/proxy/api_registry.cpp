#include "proxy/api_registry.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/log.hpp"

namespace rig::proxy {
namespace json = boost::json;
namespace {

std::string message(std::string_view text) {
    return json::serialize(json::object{{"message", text}});
}

std::string not_found(const std::string& id) {
    return message("API with id=" + id + " doesn't exists.");
}

log::rate_limited replicated_log{5};

}  // namespace

api_registry::api_registry(std::string node_name, std::function<clock::time_point()> now)
    : node_name_(std::move(node_name)), now_(now ? std::move(now) : [] { return clock::now(); }) {}

std::string api_registry::timestamp() const {
    const auto t = std::chrono::time_point_cast<std::chrono::microseconds>(now_());
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", t);
}

void api_registry::load(std::vector<api_definition> apis) {
    {
        std::lock_guard lock(mutex_);
        for (auto& api : apis) {
            apis_.push_back({std::move(api), timestamp(), false});
        }
        publish_locked();
    }
    after_change({}, std::nullopt);
}

void api_registry::after_change(const std::string& id, std::optional<std::string> definition) {
    if (listener_) {
        listener_();
    }
    if (writer_ && definition) {
        writer_(id, std::move(*definition));
    }
}

std::string api_registry::replicated(const stored& s) {
    json::object o = s.api.source;
    o["id"] = s.api.id;
    o["active"] = s.api.active;
    o["ref_number"] = s.api.ref_number;
    o["timestamp"] = s.timestamp;
    return json::serialize(o);
}

bool api_registry::apply_replicated(const std::string& id,
                                    std::optional<std::string_view> definition) {
    if (!definition) {  // the shared entry was removed: deactivate, as a delete does
        {
            std::lock_guard lock(mutex_);
            stored* existing = find_locked(id);
            if (existing == nullptr || !existing->api.active) {
                return false;
            }
            existing->api.active = false;
            existing->api.source["active"] = false;
            existing->api.ref_number += 1;
            existing->timestamp = timestamp();
            existing->shared = true;
            publish_locked();
        }
        after_change(id, std::nullopt);
        return true;
    }
    boost::system::error_code ec;
    auto value = json::parse(*definition, ec);
    if (ec || !value.is_object()) {
        replicated_log.info("proxy: ignoring the shared definition of API {}: not a JSON object",
                            id);
        return false;
    }
    auto& body = value.as_object();
    std::string stamp;
    if (const auto* t = body.if_contains("timestamp"); t != nullptr && t->is_string()) {
        stamp = std::string(t->get_string());
    }
    body.erase("timestamp");
    if (auto errors = validate_api(body, id); !errors.empty()) {
        replicated_log.info("proxy: ignoring the shared definition of API {}: {}", id,
                            errors.to_json());
        return false;
    }
    auto api = make_api(body);
    {
        std::lock_guard lock(mutex_);
        stored* existing = find_locked(id);
        if (existing != nullptr && existing->shared && api.ref_number < existing->api.ref_number) {
            return false;  // older than what this node has (its own newer write is on its way)
        }
        if (stamp.empty()) {
            stamp = timestamp();
        }
        if (existing != nullptr) {
            *existing = {std::move(api), std::move(stamp), true};
        } else {
            apis_.push_back({std::move(api), std::move(stamp), true});
        }
        publish_locked();
    }
    after_change(id, std::nullopt);
    return true;
}

void api_registry::publish_locked() {
    auto next = std::make_shared<std::vector<api_definition>>();
    for (const auto& s : apis_) {
        if (s.api.active && !s.api.versioned) {
            next->push_back(s.api);
        }
    }
    std::atomic_store(&routable_, snapshot(std::move(next)));
    version_.fetch_add(1, std::memory_order_release);
}

json::object api_registry::shown(const stored& s) const {
    json::object o = s.api.source;
    o["id"] = s.api.id;
    o["active"] = s.api.active;
    o["ref_number"] = s.api.ref_number;
    o["timestamp"] = s.timestamp;
    o["node_name"] = node_name_;
    o["versioned"] = s.api.versioned;
    o["auth_type"] = s.api.jwt ? "jwt" : "none";
    o["auth"] = json::object{{"use_header", s.api.auth.use_header},
                             {"header_name", s.api.auth.header_name},
                             {"use_query", s.api.auth.use_query},
                             {"query_name", s.api.auth.query_name}};
    return o;
}

api_registry::stored* api_registry::find_locked(const std::string& id) {
    for (auto& s : apis_) {
        if (s.api.id == id) {
            return &s;
        }
    }
    return nullptr;
}

api_registry::outcome api_registry::list() const {
    std::lock_guard lock(mutex_);
    json::array out;
    for (const auto& s : apis_) {
        if (s.api.active) {
            out.push_back(shown(s));
        }
    }
    return {200, json::serialize(out)};
}

api_registry::outcome api_registry::get(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (const auto& s : apis_) {
        if (s.api.id == id && s.api.active) {
            return {200, json::serialize(shown(s))};
        }
    }
    return {404, not_found(id)};
}

api_registry::outcome api_registry::create(json::object body) {
    normalise_methods(body);  // RIG left them as given (spec §15 #18)
    if (auto errors = validate_api(body); !errors.empty()) {
        return {400, errors.to_json()};
    }
    auto api = make_api(body);
    const std::string id = api.id;
    std::optional<std::string> written;
    {
        std::lock_guard lock(mutex_);
        stored* existing = find_locked(api.id);
        if (existing != nullptr && existing->api.active) {
            return {409, message("API with id=" + api.id + " already exists.")};
        }
        if (existing != nullptr) {  // an inactive one is replaced
            api.ref_number = existing->api.ref_number + 1;
            *existing = {std::move(api), timestamp(), true};
        } else {
            api.ref_number = 0;
            existing = &apis_.emplace_back(stored{std::move(api), timestamp(), true});
        }
        written = replicated(*existing);
        publish_locked();
    }
    after_change(id, std::move(written));
    return {201, message("ok")};
}

api_registry::outcome api_registry::update(const std::string& id, json::object body) {
    normalise_methods(body);
    if (auto errors = validate_api(body, id); !errors.empty()) {
        return {400, errors.to_json()};
    }
    std::optional<std::string> written;
    {
        std::lock_guard lock(mutex_);
        stored* existing = find_locked(id);
        if (existing == nullptr || !existing->api.active) {
            return {404, not_found(id)};
        }
        // Shallow merge: the body's top-level members replace the stored ones wholesale.
        json::object merged = existing->api.source;
        for (auto& [key, value] : body) {
            merged[key] = std::move(value);
        }
        merged["id"] = id;
        merged.erase("ref_number");
        auto api = make_api(merged);
        api.ref_number = existing->api.ref_number + 1;
        *existing = {std::move(api), timestamp(), true};
        written = replicated(*existing);
        publish_locked();
    }
    after_change(id, std::move(written));
    return {200, message("ok")};
}

api_registry::outcome api_registry::remove(const std::string& id) {
    std::optional<std::string> written;
    {
        std::lock_guard lock(mutex_);
        stored* existing = find_locked(id);
        if (existing == nullptr || !existing->api.active) {
            return {404, not_found(id)};
        }
        existing->api.active = false;
        existing->api.source["active"] = false;
        existing->api.ref_number += 1;
        existing->timestamp = timestamp();
        existing->shared = true;
        // Shared as the deactivated definition, not a delete marker: a node that starts later
        // then still knows its ref_number, so a re-creation is numbered alike everywhere.
        written = replicated(*existing);
        publish_locked();
    }
    after_change(id, std::move(written));
    return {204, ""};
}

}  // namespace rig::proxy
