#include "core/websocket_wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace wsw = rig::core::websocket;
using wsw::frame_event;
using wsw::opcode;
using kind = frame_event::kind;

constexpr std::uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

// Turns a server frame (unmasked, as encode_* make them) into the frame a client would send.
std::string masked(std::string_view server_frame) {
    const auto len7 = static_cast<std::uint8_t>(server_frame[1]) & 0x7f;
    const std::size_t header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
    std::string out(server_frame.substr(0, header));
    out[1] = static_cast<char>(out[1] | 0x80);
    out.append(reinterpret_cast<const char*>(mask_key), 4);
    for (std::size_t i = header; i < server_frame.size(); ++i) {
        out += static_cast<char>(server_frame[i] ^ mask_key[(i - header) % 4]);
    }
    return out;
}

// A client frame; `fin` false makes it a fragment, `rsv` is or-ed into the first byte.
std::string client_frame(opcode op, std::string_view payload, bool fin = true,
                         std::uint8_t rsv = 0) {
    std::string f = masked(wsw::encode_frame(op, payload));
    if (!fin) {
        f[0] = static_cast<char>(f[0] & 0x7f);
    }
    f[0] = static_cast<char>(f[0] | rsv);
    return f;
}

// A client frame with a raw first byte, any 7-bit length and the given extended length bytes.
std::string raw_frame(std::uint8_t b0, std::uint8_t len7, std::string_view extended = {},
                      std::string_view masked_payload = {}) {
    std::string f;
    f += static_cast<char>(b0);
    f += static_cast<char>(0x80 | len7);
    f.append(extended);
    f.append(reinterpret_cast<const char*>(mask_key), 4);
    f.append(masked_payload);
    return f;
}

std::string close_body(std::uint16_t code, std::string_view reason = {}) {
    std::string b;
    b += static_cast<char>(code >> 8);
    b += static_cast<char>(code & 0xff);
    b.append(reason);
    return b;
}

struct wire_event {
    kind what;
    std::uint16_t code;
    std::string payload;
    bool operator==(const wire_event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const wire_event& e) {
    return os << "{kind " << static_cast<int>(e.what) << ", code " << e.code << ", payload \""
              << e.payload << "\"}";
}

// Feeds `in` cut at `cuts` (increasing offsets) and collects every event up to the first
// protocol error. Each piece is fed until it is used up, as a connection's read loop would.
std::vector<wire_event> read_cut(std::string_view in, const std::vector<std::size_t>& cuts) {
    wsw::frame_reader reader;
    std::vector<wire_event> events;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : in.size();
        std::string_view piece = in.substr(start, end - start);
        start = end;
        while (!piece.empty()) {
            frame_event ev;
            const std::size_t used = reader.feed(piece, ev);
            EXPECT_LE(used, piece.size());
            piece.remove_prefix(used);
            if (ev.what == kind::need_more) {
                EXPECT_TRUE(piece.empty()) << "need_more must use all of the input";
                continue;
            }
            EXPECT_GT(used, 0u);
            events.push_back({ev.what, ev.code, ev.payload});
            if (ev.what == kind::protocol_error) {
                return events;
            }
        }
    }
    return events;
}

std::vector<wire_event> read_all(std::string_view in) {
    return read_cut(in, {});
}

std::vector<wire_event> read_bytewise(std::string_view in) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < in.size(); ++i) {
        cuts.push_back(i);
    }
    return read_cut(in, cuts);
}

wire_event error(std::uint16_t code, std::string reason) {
    return {kind::protocol_error, code, std::move(reason)};
}

// The single event `frame` gives, fed all at once.
wire_event only_event(std::string_view frame) {
    const auto events = read_all(frame);
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? wire_event{kind::need_more, 0, {}} : events.front();
}

// --- encoding ------------------------------------------------------------------------------

std::vector<std::uint8_t> header_of(opcode op, std::uint64_t size) {
    std::uint8_t out[wsw::max_server_header];
    const std::size_t n = wsw::encode_header(op, size, out);
    return {out, out + n};
}

TEST(WebsocketWire, HeaderUsesSevenBitLengthUpTo125) {
    EXPECT_EQ(header_of(opcode::text, 0), (std::vector<std::uint8_t>{0x81, 0x00}));
    EXPECT_EQ(header_of(opcode::text, 125), (std::vector<std::uint8_t>{0x81, 125}));
    EXPECT_EQ(header_of(opcode::ping, 5), (std::vector<std::uint8_t>{0x89, 5}));
}

TEST(WebsocketWire, HeaderUsesSixteenBitLengthFrom126To65535) {
    EXPECT_EQ(header_of(opcode::text, 126), (std::vector<std::uint8_t>{0x81, 126, 0x00, 0x7e}));
    EXPECT_EQ(header_of(opcode::binary, 65535), (std::vector<std::uint8_t>{0x82, 126, 0xff, 0xff}));
}

TEST(WebsocketWire, HeaderUsesSixtyFourBitLengthFrom65536) {
    EXPECT_EQ(header_of(opcode::binary, 65536),
              (std::vector<std::uint8_t>{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
    EXPECT_EQ(header_of(opcode::text, 0x0102030405060708ull),
              (std::vector<std::uint8_t>{0x81, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(WebsocketWire, FrameIsHeaderThenPayload) {
    // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    EXPECT_EQ(wsw::encode_frame(opcode::text, "Hello"), std::string("\x81\x05Hello"));
    EXPECT_EQ(wsw::encode_frame(opcode::pong, ""), std::string("\x8a\x00", 2));
    const std::string big(300, 'x');
    const std::string frame = wsw::encode_frame(opcode::text, big);
    EXPECT_EQ(frame.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
    EXPECT_EQ(frame.substr(4), big);
}

TEST(WebsocketWire, CloseCarriesCodeAndReason) {
    EXPECT_EQ(wsw::encode_close(1000, "bye"), std::string("\x88\x05\x03\xe8"
                                                          "bye",
                                                          7));
    EXPECT_EQ(wsw::encode_close(1008, ""), std::string("\x88\x02\x03\xf0", 4));
}

TEST(WebsocketWire, CloseWithNoStatusHasEmptyBody) {
    EXPECT_EQ(wsw::encode_close(1005, "ignored"), std::string("\x88\x00", 2));
}

TEST(WebsocketWire, CloseReasonIsCutAt123BytesOnACharacterBoundary) {
    const auto reason_of = [](const std::string& frame) { return frame.substr(4); };
    const std::string exact(123, 'a');
    EXPECT_EQ(reason_of(wsw::encode_close(1000, exact)), exact);
    EXPECT_EQ(reason_of(wsw::encode_close(1000, std::string(200, 'a'))), exact);
    // "é" is 2 bytes, "€" 3 and "😀" 4: each straddles byte 123 and is dropped whole.
    EXPECT_EQ(reason_of(wsw::encode_close(1000, std::string(122, 'a') + "\xc3\xa9")),
              std::string(122, 'a'));
    EXPECT_EQ(reason_of(wsw::encode_close(1000, std::string(121, 'a') + "\xe2\x82\xac")),
              std::string(121, 'a'));
    EXPECT_EQ(reason_of(wsw::encode_close(1000, std::string(120, 'a') + "\xf0\x9f\x98\x80z")),
              std::string(120, 'a'));
    // A character that ends exactly at byte 123 stays.
    EXPECT_EQ(reason_of(wsw::encode_close(1000, std::string(121, 'a') + "\xc3\xa9z")),
              std::string(121, 'a') + "\xc3\xa9");
    const std::string frame = wsw::encode_close(1001, std::string(200, 'a'));
    EXPECT_EQ(frame.size(), 2u + 125u);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[1]), 125);
}

// --- reading: events -----------------------------------------------------------------------

TEST(WebsocketReader, PingAndPongAreUnmasked) {
    EXPECT_EQ(only_event(client_frame(opcode::ping, "are you there")),
              (wire_event{kind::ping, 0, "are you there"}));
    EXPECT_EQ(only_event(client_frame(opcode::pong, "yes")), (wire_event{kind::pong, 0, "yes"}));
    EXPECT_EQ(only_event(client_frame(opcode::ping, "")), (wire_event{kind::ping, 0, ""}));
    const std::string max(125, 'p');
    EXPECT_EQ(only_event(client_frame(opcode::ping, max)), (wire_event{kind::ping, 0, max}));
}

TEST(WebsocketReader, CloseGivesCodeAndReason) {
    EXPECT_EQ(only_event(client_frame(opcode::close, close_body(1000, "done"))),
              (wire_event{kind::close, 1000, "done"}));
    EXPECT_EQ(only_event(client_frame(opcode::close, close_body(1001))),
              (wire_event{kind::close, 1001, ""}));
    EXPECT_EQ(only_event(masked(wsw::encode_close(4000, "caf\xc3\xa9"))),
              (wire_event{kind::close, 4000, "caf\xc3\xa9"}));
}

TEST(WebsocketReader, CloseWithEmptyBodyIsNoStatus) {
    EXPECT_EQ(only_event(client_frame(opcode::close, "")), (wire_event{kind::close, 1005, ""}));
}

TEST(WebsocketReader, AcceptsEveryCloseCodeThatMayBeSent) {
    for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                               1014, 3000, 3999, 4000, 4999}) {
        EXPECT_EQ(only_event(client_frame(opcode::close, close_body(code, "r"))),
                  (wire_event{kind::close, code, "r"}))
            << code;
    }
}

TEST(WebsocketReader, DataFrameGivesOneEventAtItsHeader) {
    EXPECT_EQ(only_event(client_frame(opcode::text, "hello")),
              (wire_event{kind::data_frame, 0, ""}));
    EXPECT_EQ(only_event(client_frame(opcode::binary, "")), (wire_event{kind::data_frame, 0, ""}));

    // The event comes as soon as the header is complete, before any payload byte.
    const std::string frame = client_frame(opcode::text, "hello");
    wsw::frame_reader reader;
    frame_event ev;
    EXPECT_EQ(reader.feed(std::string_view(frame).substr(0, 6), ev), 6u);
    EXPECT_EQ(ev.what, kind::data_frame);
    EXPECT_EQ(reader.feed(std::string_view(frame).substr(6), ev), 5u);
    EXPECT_EQ(ev.what, kind::need_more);
}

TEST(WebsocketReader, DataPayloadIsSkippedNotParsed) {
    // The payload of a data frame holds what looks like frames; none of them is reported.
    const std::string inner = client_frame(opcode::ping, "fake") + std::string("\xff\xff", 2);
    const std::string stream =
        client_frame(opcode::binary, inner) + client_frame(opcode::ping, "real");
    EXPECT_EQ(read_all(stream),
              (std::vector<wire_event>{{kind::data_frame, 0, ""}, {kind::ping, 0, "real"}}));
}

TEST(WebsocketReader, ReadsSixteenAndSixtyFourBitLengths) {
    for (std::size_t size : {125u, 126u, 65535u, 65536u, 70000u}) {
        const std::string stream = client_frame(opcode::binary, std::string(size, 'b')) +
                                   client_frame(opcode::ping, "after");
        EXPECT_EQ(read_all(stream),
                  (std::vector<wire_event>{{kind::data_frame, 0, ""}, {kind::ping, 0, "after"}}))
            << size;
    }
}

TEST(WebsocketReader, FeedStopsAfterTheFirstEvent) {
    const std::string a = client_frame(opcode::ping, "a");
    const std::string both = a + client_frame(opcode::ping, "b");
    wsw::frame_reader reader;
    frame_event ev;
    EXPECT_EQ(reader.feed(both, ev), a.size());
    EXPECT_EQ(ev.what, kind::ping);
    EXPECT_EQ(ev.payload, "a");
    EXPECT_EQ(reader.feed(std::string_view(both).substr(a.size()), ev), both.size() - a.size());
    EXPECT_EQ(ev.what, kind::ping);
    EXPECT_EQ(ev.payload, "b");
}

TEST(WebsocketReader, PartialFrameNeedsMore) {
    const std::string frame = client_frame(opcode::ping, "abc");
    wsw::frame_reader reader;
    frame_event ev;
    ev.what = kind::ping;  // feed must reset it
    EXPECT_EQ(reader.feed(std::string_view(frame).substr(0, 7), ev), 7u);
    EXPECT_EQ(ev.what, kind::need_more);
    EXPECT_EQ(reader.feed({}, ev), 0u);
    EXPECT_EQ(ev.what, kind::need_more);
    EXPECT_EQ(reader.feed(std::string_view(frame).substr(7), ev), frame.size() - 7);
    EXPECT_EQ(ev.what, kind::ping);
    EXPECT_EQ(ev.payload, "abc");
}

TEST(WebsocketReader, ControlFramesMayComeBetweenFragments) {
    const std::string stream =
        client_frame(opcode::text, "one ", false) + client_frame(opcode::ping, "p") +
        client_frame(opcode::continuation, "two ", false) + client_frame(opcode::pong, "q") +
        client_frame(opcode::continuation, "three") + client_frame(opcode::binary, "next");
    EXPECT_EQ(read_all(stream), (std::vector<wire_event>{{kind::data_frame, 0, ""},
                                                         {kind::ping, 0, "p"},
                                                         {kind::data_frame, 0, ""},
                                                         {kind::pong, 0, "q"},
                                                         {kind::data_frame, 0, ""},
                                                         {kind::data_frame, 0, ""}}));
}

// A conversation using every length form, fragments, control frames between them, and a close.
std::string conversation() {
    return client_frame(opcode::text, std::string(300, 't'), false) +
           client_frame(opcode::ping, "ping-1") +
           client_frame(opcode::continuation, std::string(70000, 'c'), false) +
           client_frame(opcode::continuation, "") + client_frame(opcode::pong, "") +
           client_frame(opcode::binary, "b") + client_frame(opcode::close, "") +
           masked(wsw::encode_close(1000, "bye \xe2\x82\xac"));
}

const std::vector<wire_event> conversation_events = {
    {kind::data_frame, 0, ""}, {kind::ping, 0, "ping-1"},
    {kind::data_frame, 0, ""}, {kind::data_frame, 0, ""},
    {kind::pong, 0, ""},       {kind::data_frame, 0, ""},
    {kind::close, 1005, ""},   {kind::close, 1000, "bye \xe2\x82\xac"},
};

TEST(WebsocketReader, ByteAtATimeGivesTheSameEventsAsAllAtOnce) {
    const std::string stream = conversation();
    EXPECT_EQ(read_all(stream), conversation_events);
    EXPECT_EQ(read_bytewise(stream), conversation_events);
}

TEST(WebsocketReader, EverySplitPointGivesTheSameEvents) {
    const std::string stream = conversation();
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        ASSERT_EQ(read_cut(stream, {cut}), conversation_events) << "cut at " << cut;
    }
}

TEST(WebsocketReader, EverySplitPointGivesTheSameError) {
    // Ends with a ping fragment: the error must come after the same events at every split.
    const std::string stream = client_frame(opcode::text, "x", false) +
                               client_frame(opcode::ping, "ok") +
                               client_frame(opcode::ping, "bad", false) + "trailing bytes";
    const std::vector<wire_event> expected = {
        {kind::data_frame, 0, ""}, {kind::ping, 0, "ok"}, error(1002, "Fragmented control frame.")};
    EXPECT_EQ(read_bytewise(stream), expected);
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        ASSERT_EQ(read_cut(stream, {cut}), expected) << "cut at " << cut;
    }
}

TEST(WebsocketReader, SkipsAMegabyteDataFrameWithBoundedMemory) {
    // Nothing in the reader grows with the payload: its whole state is this small object.
    static_assert(sizeof(wsw::frame_reader) <= 192);
    const std::string payload(1 << 20, 'm');
    const std::string stream =
        client_frame(opcode::binary, payload) + client_frame(opcode::ping, "after");
    wsw::frame_reader reader;
    std::vector<wire_event> events;
    std::size_t used_total = 0;
    for (std::size_t at = 0; at < stream.size(); at += 4096) {
        std::string_view piece = std::string_view(stream).substr(at, 4096);
        while (!piece.empty()) {
            frame_event ev;
            const std::size_t used = reader.feed(piece, ev);
            used_total += used;
            piece.remove_prefix(used);
            if (ev.what != kind::need_more) {
                events.push_back({ev.what, ev.code, ev.payload});
            }
        }
    }
    EXPECT_EQ(used_total, stream.size());
    EXPECT_EQ(events,
              (std::vector<wire_event>{{kind::data_frame, 0, ""}, {kind::ping, 0, "after"}}));
}

// --- reading: protocol errors --------------------------------------------------------------

TEST(WebsocketReader, RejectsUnmaskedFrames) {
    EXPECT_EQ(only_event(wsw::encode_frame(opcode::text, "hi")),
              error(1002, "Client frames must be masked."));
    EXPECT_EQ(only_event(wsw::encode_frame(opcode::ping, "")),
              error(1002, "Client frames must be masked."));
}

TEST(WebsocketReader, RejectsReservedBits) {
    for (std::uint8_t rsv : {0x40, 0x20, 0x10}) {
        EXPECT_EQ(only_event(client_frame(opcode::text, "x", true, rsv)),
                  error(1002, "Reserved bits set but no extension was negotiated."))
            << int{rsv};
    }
}

TEST(WebsocketReader, RejectsUnknownOpcodes) {
    for (std::uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
        EXPECT_EQ(only_event(raw_frame(0x80 | op, 0)), error(1002, "Unknown opcode.")) << int{op};
    }
}

TEST(WebsocketReader, RejectsFragmentedControlFrames) {
    for (opcode op : {opcode::ping, opcode::pong, opcode::close}) {
        EXPECT_EQ(only_event(client_frame(op, "", false)),
                  error(1002, "Fragmented control frame."));
    }
}

TEST(WebsocketReader, RejectsControlFramesLongerThan125Bytes) {
    EXPECT_EQ(only_event(raw_frame(0x89, 126, std::string("\x00\x7e", 2))),
              error(1002, "Control frame longer than 125 bytes."));
    EXPECT_EQ(only_event(raw_frame(0x88, 127, std::string("\0\0\0\0\0\0\0\x7e", 8))),
              error(1002, "Control frame longer than 125 bytes."));
    // A 16-bit length that says 5 is still not allowed for a control frame.
    EXPECT_EQ(only_event(raw_frame(0x8a, 126, std::string("\x00\x05", 2))),
              error(1002, "Control frame longer than 125 bytes."));
}

TEST(WebsocketReader, RejectsSixtyFourBitLengthWithTopBitSet) {
    EXPECT_EQ(only_event(raw_frame(0x82, 127, std::string("\x80\0\0\0\0\0\0\0", 8))),
              error(1002, "Frame length has its most significant bit set."));
    // The largest legal length is accepted (its payload would simply never end).
    EXPECT_EQ(only_event(raw_frame(0x82, 127, "\x7f\xff\xff\xff\xff\xff\xff\xff")),
              (wire_event{kind::data_frame, 0, ""}));
}

TEST(WebsocketReader, RejectsContinuationOutsideAFragmentedMessage) {
    EXPECT_EQ(only_event(client_frame(opcode::continuation, "x")),
              error(1002, "Continuation frame outside a fragmented message."));
    // Also once a fragmented message has ended.
    const std::string stream = client_frame(opcode::text, "a", false) +
                               client_frame(opcode::continuation, "b") +
                               client_frame(opcode::continuation, "c");
    EXPECT_EQ(
        read_all(stream),
        (std::vector<wire_event>{{kind::data_frame, 0, ""},
                                 {kind::data_frame, 0, ""},
                                 error(1002, "Continuation frame outside a fragmented message.")}));
}

TEST(WebsocketReader, RejectsANewMessageInsideAFragmentedOne) {
    for (opcode op : {opcode::text, opcode::binary}) {
        const std::string stream = client_frame(opcode::binary, "a", false) + client_frame(op, "b");
        EXPECT_EQ(read_all(stream), (std::vector<wire_event>{
                                        {kind::data_frame, 0, ""},
                                        error(1002, "New message inside a fragmented message.")}));
    }
}

TEST(WebsocketReader, RejectsOneByteCloseBody) {
    EXPECT_EQ(only_event(client_frame(opcode::close, "\x03")),
              error(1002, "Close frame with a 1-byte body."));
}

TEST(WebsocketReader, RejectsCloseCodesThatMayNotBeSent) {
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
        EXPECT_EQ(only_event(client_frame(opcode::close, close_body(code))),
                  error(1002, "Invalid close code."))
            << code;
    }
}

TEST(WebsocketReader, RejectsCloseReasonThatIsNotUtf8) {
    EXPECT_EQ(only_event(client_frame(opcode::close, close_body(1000, "bad \xc3"))),
              error(1007, "Close reason is not valid UTF-8."));
    EXPECT_EQ(only_event(client_frame(opcode::close, close_body(1000, "\xed\xa0\x80"))),
              error(1007, "Close reason is not valid UTF-8."));
}

TEST(WebsocketReader, AnErrorIsFinal) {
    const std::string bad = wsw::encode_frame(opcode::text, "x");  // unmasked
    wsw::frame_reader reader;
    frame_event ev;
    EXPECT_EQ(reader.feed(bad, ev), 2u);  // the error is known after the second byte
    EXPECT_EQ(ev.what, kind::protocol_error);
    // Valid input afterwards is used up and refused with the same error.
    const std::string good = client_frame(opcode::ping, "p");
    EXPECT_EQ(reader.feed(good, ev), good.size());
    EXPECT_EQ(ev.what, kind::protocol_error);
    EXPECT_EQ(ev.code, 1002);
    EXPECT_EQ(ev.payload, "Client frames must be masked.");
}

}  // namespace
