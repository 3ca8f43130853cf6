#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rig::proxy {

// The answer for a client waiting on `response_from` (spec §8.7), as it arrived from a
// backend by Kafka or POST /v[23]/responses: the status the client gets, headers added to
// rig's own (CORS etc.), and the body, verbatim.
struct async_response {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lowercase
    std::string body;
};

// An async response together with the correlation id naming the request that waits for it.
struct correlated_response {
    std::string correlation;
    async_response response;
};

}  // namespace rig::proxy
