#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rig::core::websocket {

// RFC 6455 §5.2 frame opcodes (the ones defined; 3-7 and 11-15 are reserved).
enum class opcode : std::uint8_t {
    continuation = 0,
    text = 1,
    binary = 2,
    close = 8,
    ping = 9,
    pong = 10
};

// Largest header of a server frame: 2 bytes + 8-byte extended length.
inline constexpr std::size_t max_server_header = 10;

// Writes the header of a final, unmasked frame (what a server sends, RFC 6455 §5.2) carrying
// `payload_size` bytes into `out` (room for max_server_header bytes); returns the header's
// length (2, 4 or 10).
std::size_t encode_header(opcode op, std::uint64_t payload_size, std::uint8_t* out);

// A complete final, unmasked frame: header + payload (one allocation).
std::string encode_frame(opcode op, std::string_view payload);

// A complete close frame with `code` and `reason` cut to at most 123 bytes at a UTF-8
// character boundary; code 1005 ("no status") gives a close frame with an empty body.
std::string encode_close(std::uint16_t code, std::string_view reason);

// What frame_reader::feed found.
struct frame_event {
    enum class kind : std::uint8_t {
        need_more,   // the input ended inside a frame: feed more
        data_frame,  // header of a text/binary/continuation frame; its payload is skipped
        ping,        // complete ping; `payload` = its application data
        pong,        // complete pong; `payload` = its application data
        close,       // complete close: `code` (1005 when the body was empty), `payload` = reason
        protocol_error,  // not valid WebSocket: close with `code` (1002, 1007 bad UTF-8 in a close
                         // reason) and `payload` = a short reason; feed no more afterwards
    };
    kind what = kind::need_more;
    std::uint16_t code = 0;
    std::string payload;
};

// Incremental reader of client-to-server frames (RFC 6455 §5), for a server that never
// accepts messages: it reports data frames by their header only, answers nothing itself and
// leaves pings, pongs and the close handshake to its owner.
//
// Owned by one connection and used only by the thread that reads its socket. Memory is
// bounded whatever a client sends: at most one partial frame header (<= 14 bytes) and one
// control payload (<= 125 bytes); data payloads are never unmasked or kept, only counted and
// skipped.
//
// Rejects (protocol_error 1002): unmasked frames, RSV bits (no extension is negotiated),
// unknown opcodes, control frames that are fragmented or longer than 125 bytes, a 64-bit
// length with the top bit set, a continuation frame outside a fragmented message, a new
// text/binary frame inside one, a close body of 1 byte, a close code that may not be sent
// (< 1000, 1004-1006, 1015, 1016-2999, >= 5000). A close reason that is not UTF-8: 1007.
// Control frames may arrive between the fragments of a message.
class frame_reader {
public:
    // Consumes `in` up to and including the first complete event and returns how many bytes
    // it used; `out` gets that event, or need_more when all of `in` was used without one.
    // Call again with the unused rest. A data frame yields one data_frame event at its header
    // (payload bytes that follow are consumed silently, across calls). After a protocol_error
    // every call uses all of `in` and reports the same error again.
    std::size_t feed(std::string_view in, frame_event& out);

private:
    enum class state : std::uint8_t { header, data_payload, control_payload, failed };

    static constexpr std::size_t max_client_header = 14;  // 2 + 8-byte length + 4-byte mask
    static constexpr std::size_t max_control_payload = 125;

    // Checks the first two header bytes and learns the header's length; false (and `out` is
    // the error) when the frame is refused.
    bool check_start(frame_event& out);
    // The header is complete: sets up the payload; true when `out` got an event.
    bool finish_header(frame_event& out);
    // The control payload is complete: fills `out` with its event.
    void finish_control(frame_event& out);
    void fail(std::uint16_t code, const char* reason, frame_event& out);

    state state_ = state::header;
    bool in_message_ = false;  // between the fragments of a text/binary message
    std::uint8_t header_size_ = 0;
    std::uint8_t header_len_ = 0;
    std::uint8_t control_len_ = 0;
    std::uint16_t error_code_ = 0;
    const char* error_reason_ = nullptr;  // a string literal
    std::uint64_t remaining_ = 0;         // payload bytes still to come
    std::array<std::uint8_t, max_client_header> header_{};
    std::array<char, max_control_payload> control_{};
};

}  // namespace rig::core::websocket
