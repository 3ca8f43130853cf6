#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rig::cloudevents {

// Bytes on the wire for one event, and where the payload starts inside them (after the
// framing header).
struct framed {
    std::string bytes;
    std::size_t payload_offset = 0;
};

// One SSE message for an event, already framed as one HTTP/1.1 chunk (every HTTP/1.1 SSE
// stream rig serves is chunked), so that all recipients can be sent the very same bytes:
//
//   <hex size>\r\n event: <type>\n id: <id>\n data: <line>\n ... \n \r\n
//
// HTTP/2 streams send the message without the chunk framing: bytes[payload_offset, size-2).
// The JSON is split into one `data:` line per line of text (at CR, LF or CRLF, which JSON
// only allows as whitespace). CR and LF are removed from type and id so a hostile value
// cannot inject SSE fields. An empty `id` writes no `id:` line (rig's own events: a browser
// then keeps the last published event's id as its Last-Event-ID).
framed encode_sse_chunk(std::string_view type, std::string_view id, std::string_view json);

// `json` as one final, unmasked WebSocket text frame (what a server sends: the same bytes for
// every recipient), one allocation; the JSON starts at payload_offset.
framed encode_ws_text_frame(std::string_view json);
// The same in `json`'s own buffer: no allocation when its capacity has room for the header
// (core::websocket::max_server_header bytes), as the parsers leave.
framed encode_ws_text_frame(std::string&& json);

// `payload` framed as one HTTP/1.1 chunk.
std::string http_chunk(std::string_view payload);

// The chunk that ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace rig::cloudevents
