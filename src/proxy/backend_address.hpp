#pragma once

#include <string>

#include "proxy/api_definition.hpp"

namespace rig::proxy {

// Where a proxied request goes (spec §8.6): scheme, host and port.
struct backend_address {
    bool tls = false;
    std::string host;
    std::string port;
    std::string pool_key;  // scheme://host:port: keep-alive connections are shared per key
};

// The backend of an API (spec §8.6): `target_url`, or with `use_env` the value of the variable
// it names (localhost when unset); its scheme when it has one (http otherwise); its port and
// path ignored for `port`. Worked out once per route table, not per request: rig's
// environment does not change while it runs.
backend_address backend_of(const proxy_target& target);

}  // namespace rig::proxy
