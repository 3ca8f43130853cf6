#include "h1_session.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace rig::bench {

h1_session::h1_session(const url& target, delivery_stats& stats, subscriber_events& events)
    : target_(target), stats_(stats), events_(events) {}

void h1_session::start(std::string& out) {
    out += "GET " + target_.target + " HTTP/1.1\r\nHost: " + target_.authority() + "\r\n";
    if (target_.websocket) {
        out +=
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    } else {
        out += "Accept: text/event-stream\r\n";
    }
    out += "\r\n";
}

void h1_session::set_ready() {
    if (!ready_) {
        ready_ = true;
        events_.subscriber_ready();
    }
}

protocol_session::verdict h1_session::on_input(std::string& in, std::string& out) {
    if (!in_body_) {
        const auto end = in.find("\r\n\r\n");
        if (end == std::string::npos) {
            return verdict::keep_open;
        }
        std::string head = in.substr(0, end);
        in.erase(0, end + 4);
        if (head.rfind(target_.websocket ? "HTTP/1.1 101" : "HTTP/1.1 200", 0) != 0) {
            failure_ = "the server answered " + head.substr(0, head.find("\r\n"));
            return verdict::fail;
        }
        std::transform(head.begin(), head.end(), head.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        chunked_ = head.find("transfer-encoding: chunked") != std::string::npos;
        in_body_ = true;
        if (target_.websocket) {
            set_ready();
        }
    }
    if (in.empty()) {
        return verdict::keep_open;
    }
    if (target_.websocket) {
        return consume_ws(in, out);
    }
    set_ready();  // the first bytes of the event stream
    if (!chunked_) {
        sse_.feed(in, stats_);
        in.clear();
        return verdict::keep_open;
    }
    return consume_chunked(in);
}

protocol_session::verdict h1_session::consume_chunked(std::string& in) {
    std::size_t pos = 0;
    verdict v = verdict::keep_open;
    std::string text;
    for (;;) {
        if (!in_chunk_data_) {
            const auto eol = in.find("\r\n", pos);
            if (eol == std::string::npos) {
                break;
            }
            std::size_t size = 0;
            std::from_chars(in.data() + pos, in.data() + eol, size, 16);
            pos = eol + 2;
            if (size == 0) {
                v = verdict::close;  // the server ended the stream
                break;
            }
            chunk_left_ = size + 2;  // data + CRLF
            in_chunk_data_ = true;
        }
        const std::size_t avail = std::min(chunk_left_, in.size() - pos);
        if (avail == 0) {
            break;
        }
        // Take the data part (the trailing CRLF is skipped).
        const std::size_t data_left = chunk_left_ > 2 ? chunk_left_ - 2 : 0;
        text.append(in, pos, std::min(avail, data_left));
        chunk_left_ -= avail;
        pos += avail;
        if (chunk_left_ == 0) {
            in_chunk_data_ = false;
        }
    }
    in.erase(0, pos);
    sse_.feed(text, stats_);
    return v;
}

protocol_session::verdict h1_session::consume_ws(std::string& in, std::string& out) {
    std::size_t pos = 0;
    for (;;) {
        if (in.size() - pos < 2) {
            break;
        }
        const auto b0 = static_cast<unsigned char>(in[pos]);
        const auto b1 = static_cast<unsigned char>(in[pos + 1]);
        std::size_t header = 2;
        uint64_t len = b1 & 0x7f;
        if (len == 126) {
            if (in.size() - pos < 4) {
                break;
            }
            len = (static_cast<uint64_t>(static_cast<unsigned char>(in[pos + 2])) << 8) |
                  static_cast<unsigned char>(in[pos + 3]);
            header = 4;
        } else if (len == 127) {
            if (in.size() - pos < 10) {
                break;
            }
            len = 0;
            for (std::size_t i = 0; i < 8; ++i) {
                len = (len << 8) | static_cast<unsigned char>(in[pos + 2 + i]);
            }
            header = 10;
        }
        if (in.size() - pos < header + len) {
            break;
        }
        const std::string_view payload(in.data() + pos + header, len);
        const int opcode = b0 & 0x0f;
        if (opcode == 0x1 || opcode == 0x2) {
            stats_.record(payload, ws_last_seq_);
        } else if (opcode == 0x9 && payload.size() <= 125) {
            out += static_cast<char>(0x8A);  // pong
            out += static_cast<char>(0x80 | payload.size());
            out.append("\0\0\0\0", 4);  // zero mask: payload unchanged
            out += payload;
        } else if (opcode == 0x8) {
            in.erase(0, pos + header + len);
            return verdict::close;
        }
        pos += header + len;
    }
    in.erase(0, pos);
    return verdict::keep_open;
}

}  // namespace rig::bench
