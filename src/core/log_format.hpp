#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <span>
#include <string>

#include "core/log.hpp"

namespace rig::log {

// One json or gcl line (no newline) for an spdlog message and the fields of its call (`extra`):
//   json: {"time":"2026-12-03T23:05:59.123Z","level":"info","message":"…","logger":"rig",…}
//   gcl:  {"severity":"INFO","message":"…","time":"…","logger":"rig",…}
// Always valid JSON: Boost.JSON escapes quotes and control characters, and bytes that are not
// UTF-8 become U+FFFD. A field named like one of the fixed keys gets a `_` in front.
std::string structured_line(format fmt, const spdlog::details::log_msg& msg,
                            std::span<const field> extra);

// The spdlog formatter of json/gcl mode: structured_line with the calling thread's fields
// (log::detail::current_fields), one line per message. Owned by the sink init() sets it on;
// runs on the logging thread under the sink's lock.
class structured_formatter final : public spdlog::formatter {
public:
    explicit structured_formatter(log::format fmt) : fmt_(fmt) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

private:
    log::format fmt_;
};

}  // namespace rig::log
