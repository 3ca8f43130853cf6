#pragma once

#include <chrono>
#include <string>

namespace rig::core {

// RFC 3339 timestamp with microseconds and a numeric UTC offset, the form RIG stamps on events:
// 2019-03-27T11:53:18.435690+00:00
std::string rfc3339(std::chrono::system_clock::time_point t);
std::string rfc3339_now();

}  // namespace rig::core
