#pragma once

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "proxy/api_definition.hpp"

namespace rig::proxy {

// PROXY_CONFIG_FILE (spec §8.1): a JSON array of API definitions, given inline or as the
// path of a file holding it (core::json_setting_text). Methods are upper-cased, every API is
// validated (§8.3), and any failure — unreadable file, JSON that is not an array, an invalid
// definition, an id given twice — is an error naming it, e.g.
// `API 2 ("billing"): {"billing/pay":[{"topic":"must be present"}]}`.
core::result<std::vector<api_definition>> load_proxy_config(std::string_view value);

}  // namespace rig::proxy
