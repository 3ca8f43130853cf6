#include "proxy/proxy_config.hpp"

#include <boost/json/parse.hpp>
#include <set>

#include "core/json_setting.hpp"

namespace rig::proxy {
namespace json = boost::json;

core::result<std::vector<api_definition>> load_proxy_config(std::string_view value) {
    const auto text = core::json_setting_text(value);
    if (!text) {
        return core::bad_request("cannot read the file " + std::string(value));
    }
    json::error_code ec;
    json::value parsed = json::parse(*text, ec);
    if (ec) {
        return core::bad_request("not JSON: " + ec.message());
    }
    if (!parsed.is_array()) {
        return core::bad_request("expected a JSON array of API definitions");
    }
    std::vector<api_definition> apis;
    std::set<std::string> ids;
    std::size_t index = 0;
    for (auto& item : parsed.get_array()) {
        ++index;
        if (!item.is_object()) {
            return core::bad_request("API " + std::to_string(index) + ": expected a JSON object");
        }
        auto& api = item.get_object();
        normalise_methods(api);
        const auto errors = validate_api(api);
        const auto* id = api.if_contains("id");
        const std::string named =
            "API " + std::to_string(index) +
            (id != nullptr && id->is_string() ? " (\"" + std::string(id->get_string()) + "\")"
                                              : std::string());
        if (!errors.empty()) {
            return core::bad_request(named + ": " + errors.to_json());
        }
        auto definition = make_api(api);
        if (!ids.insert(definition.id).second) {
            return core::bad_request(named + ": the id is defined twice");
        }
        apis.push_back(std::move(definition));
    }
    return apis;
}

}  // namespace rig::proxy
