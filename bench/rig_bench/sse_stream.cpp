#include "sse_stream.hpp"

namespace rig::bench {

void sse_stream::feed(std::string_view bytes, delivery_stats& stats) {
    text_ += bytes;
    std::size_t start = 0;
    for (;;) {
        const auto end = text_.find("\n\n", start);
        if (end == std::string::npos) {
            break;
        }
        on_message(std::string_view(text_).substr(start, end - start), stats);
        start = end + 2;
    }
    text_.erase(0, start);
}

void sse_stream::on_message(std::string_view message, delivery_stats& stats) {
    // The event JSON is the message's data: lines joined by "\n" (one line in practice, so
    // the common case needs no copy).
    std::string_view data;
    std::size_t lines = 0;
    for (std::size_t pos = 0; pos < message.size();) {
        auto eol = message.find('\n', pos);
        if (eol == std::string_view::npos) {
            eol = message.size();
        }
        std::string_view line = message.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.starts_with("data:")) {
            continue;
        }
        line.remove_prefix(5);
        if (line.starts_with(' ')) {
            line.remove_prefix(1);
        }
        if (lines == 0) {
            data = line;
        } else {
            if (lines == 1) {
                joined_.assign(data);
            }
            joined_ += '\n';
            joined_ += line;
        }
        ++lines;
    }
    if (lines > 1) {
        data = joined_;
    }
    if (lines > 0) {
        stats.record(data, last_seq_);
    }
}

}  // namespace rig::bench
