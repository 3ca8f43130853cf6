#pragma once

#include <string_view>

namespace rig::admin {

// The live dashboard (GET :4010/dashboard): one self-contained HTML page (inline CSS and
// JavaScript, nothing fetched from elsewhere, so it works offline) that reads
// dashboard/stream and draws what it sends. Lives in the binary for its whole run.
std::string_view dashboard_page();

}  // namespace rig::admin
