#include "core/websocket_wire.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/utf8.hpp"

namespace rig::core::websocket {
namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0f;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7f;
constexpr std::uint8_t length_16 = 126;  // 7-bit length values that announce an extended length
constexpr std::uint8_t length_64 = 127;
constexpr std::size_t max_close_reason = 123;  // 125-byte control payload minus the code

bool is_control(std::uint8_t op) {
    return (op & 0x08) != 0;
}

bool is_known(std::uint8_t op) {
    switch (static_cast<opcode>(op)) {
        case opcode::continuation:
        case opcode::text:
        case opcode::binary:
        case opcode::close:
        case opcode::ping:
        case opcode::pong:
            return true;
    }
    return false;
}

// RFC 6455 §7.4: codes a peer may put in a close frame. 1004-1006 and 1015 are reserved for
// local use, 1016-2999 for future RFCs; 1012-1014 are registered with IANA since.
bool may_be_sent(std::uint16_t code) {
    if (code < 1000 || code >= 5000 || (code >= 1016 && code <= 2999)) {
        return false;
    }
    return code != 1004 && code != 1005 && code != 1006 && code != 1015;
}

}  // namespace

std::size_t encode_header(opcode op, std::uint64_t payload_size, std::uint8_t* out) {
    out[0] = fin_bit | static_cast<std::uint8_t>(op);
    if (payload_size < length_16) {
        out[1] = static_cast<std::uint8_t>(payload_size);
        return 2;
    }
    const std::size_t extended = payload_size <= 0xffff ? 2 : 8;
    out[1] = extended == 2 ? length_16 : length_64;
    for (std::size_t i = 0; i < extended; ++i) {
        out[1 + extended - i] = static_cast<std::uint8_t>(payload_size >> (8 * i));
    }
    return 2 + extended;
}

std::string encode_frame(opcode op, std::string_view payload) {
    std::array<std::uint8_t, max_server_header> header{};
    const std::size_t header_size = encode_header(op, payload.size(), header.data());
    std::string frame(header_size + payload.size(), '\0');
    std::memcpy(frame.data(), header.data(), header_size);
    if (!payload.empty()) {
        std::memcpy(frame.data() + header_size, payload.data(), payload.size());
    }
    return frame;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
    if (code == 1005) {
        return encode_frame(opcode::close, {});
    }
    if (reason.size() > max_close_reason) {
        // Back up over continuation bytes so the cut never splits a character.
        std::size_t keep = max_close_reason;
        while (keep > 0 && (static_cast<std::uint8_t>(reason[keep]) & 0xc0) == 0x80) {
            --keep;
        }
        reason = reason.substr(0, keep);
    }
    std::string body(2 + reason.size(), '\0');
    body[0] = static_cast<char>(code >> 8);
    body[1] = static_cast<char>(code & 0xff);
    reason.copy(body.data() + 2, reason.size());  // memcpy would get a null pointer for {}
    return encode_frame(opcode::close, body);
}

std::size_t frame_reader::feed(std::string_view in, frame_event& out) {
    out = frame_event{};
    if (state_ == state::failed) {
        fail(error_code_, error_reason_, out);
        return in.size();
    }
    std::size_t used = 0;
    while (used < in.size()) {
        switch (state_) {
            case state::header:
                header_[header_len_++] = static_cast<std::uint8_t>(in[used++]);
                if (header_len_ == 2 && !check_start(out)) {
                    return used;
                }
                if (header_len_ > 2 && header_len_ == header_size_ && finish_header(out)) {
                    return used;
                }
                break;
            case state::data_payload: {
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - used));
                used += n;
                remaining_ -= n;
                if (remaining_ == 0) {
                    state_ = state::header;
                }
                break;
            }
            case state::control_payload: {
                const std::uint8_t* mask = &header_[header_size_ - 4];
                while (remaining_ > 0 && used < in.size()) {
                    control_[control_len_] = static_cast<char>(
                        static_cast<std::uint8_t>(in[used++]) ^ mask[control_len_ % 4]);
                    ++control_len_;
                    --remaining_;
                }
                if (remaining_ == 0) {
                    finish_control(out);
                    return used;
                }
                break;
            }
            case state::failed:
                return used;  // unreachable: fail() is always followed by a return
        }
    }
    return used;
}

bool frame_reader::check_start(frame_event& out) {
    const std::uint8_t b0 = header_[0];
    const std::uint8_t b1 = header_[1];
    const std::uint8_t op = b0 & opcode_bits;
    const std::uint8_t length = b1 & length_bits;
    if ((b0 & rsv_bits) != 0) {
        fail(1002, "Reserved bits set but no extension was negotiated.", out);
    } else if (!is_known(op)) {
        fail(1002, "Unknown opcode.", out);
    } else if (is_control(op) && (b0 & fin_bit) == 0) {
        fail(1002, "Fragmented control frame.", out);
    } else if (is_control(op) && length > max_control_payload) {
        fail(1002, "Control frame longer than 125 bytes.", out);
    } else if (static_cast<opcode>(op) == opcode::continuation && !in_message_) {
        fail(1002, "Continuation frame outside a fragmented message.", out);
    } else if (!is_control(op) && op != 0 && in_message_) {
        fail(1002, "New message inside a fragmented message.", out);
    } else if ((b1 & mask_bit) == 0) {
        fail(1002, "Client frames must be masked.", out);
    } else {
        const std::size_t extended = length == length_16 ? 2 : length == length_64 ? 8 : 0;
        header_size_ = static_cast<std::uint8_t>(2 + extended + 4);
        return true;
    }
    return false;
}

bool frame_reader::finish_header(frame_event& out) {
    const std::uint8_t op = header_[0] & opcode_bits;
    const bool fin = (header_[0] & fin_bit) != 0;
    std::uint64_t length = header_[1] & length_bits;
    if (length >= length_16) {
        const std::size_t extended = length == length_16 ? 2 : 8;
        length = 0;
        for (std::size_t i = 0; i < extended; ++i) {
            length = (length << 8) | header_[2 + i];
        }
        if ((length >> 63) != 0) {
            fail(1002, "Frame length has its most significant bit set.", out);
            return true;
        }
    }
    header_len_ = 0;  // the mask stays in header_ until the next frame's header overwrites it
    remaining_ = length;
    if (!is_control(op)) {
        if (op != 0) {
            in_message_ = !fin;
        } else if (fin) {
            in_message_ = false;
        }
        state_ = remaining_ > 0 ? state::data_payload : state::header;
        out.what = frame_event::kind::data_frame;
        return true;
    }
    control_len_ = 0;
    if (remaining_ > 0) {
        state_ = state::control_payload;
        return false;
    }
    finish_control(out);
    return true;
}

void frame_reader::finish_control(frame_event& out) {
    state_ = state::header;
    const std::string_view body(control_.data(), control_len_);
    switch (static_cast<opcode>(header_[0] & opcode_bits)) {
        case opcode::ping:
            out.what = frame_event::kind::ping;
            out.payload = body;
            return;
        case opcode::pong:
            out.what = frame_event::kind::pong;
            out.payload = body;
            return;
        default:
            break;
    }
    if (body.empty()) {
        out.what = frame_event::kind::close;
        out.code = 1005;
        return;
    }
    if (body.size() == 1) {
        fail(1002, "Close frame with a 1-byte body.", out);
        return;
    }
    const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8) |
                                                 static_cast<std::uint8_t>(body[1]));
    if (!may_be_sent(code)) {
        fail(1002, "Invalid close code.", out);
        return;
    }
    const std::string_view reason = body.substr(2);
    if (!is_valid_utf8(reason)) {
        fail(1007, "Close reason is not valid UTF-8.", out);
        return;
    }
    out.what = frame_event::kind::close;
    out.code = code;
    out.payload = reason;
}

void frame_reader::fail(std::uint16_t code, const char* reason, frame_event& out) {
    state_ = state::failed;
    error_code_ = code;
    error_reason_ = reason;
    out.what = frame_event::kind::protocol_error;
    out.code = code;
    out.payload = reason;
}

}  // namespace rig::core::websocket
