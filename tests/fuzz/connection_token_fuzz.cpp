// Fuzz target for connection tokens (transport::token_codec, fixed key and instance): the
// string a client sends back as the `connection_token` cookie or path segment.
//
// The input is decoded twice: as the token string itself, and (its first 14 bytes) as an
// address to encode. Invariants beyond "no crash":
// - any string that decodes (ok or stale) is the encoding of the address it decodes to, up
//   to base64 padding ("==", which decoding accepts on purpose): no other two strings name the
//   same connection (base64url with zero leftover bits is canonical; the tag verifies);
// - every encoded address decodes to itself (ok for this instance, stale for another); a
//   token of another key, or the encoding with any one character changed, is malformed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "require.hpp"
#include "transport/connection_token.hpp"

namespace {

using rig::fuzz::require;

using rig::transport::connection_address;
using rig::transport::token_codec;

bool same(const connection_address& a, const connection_address& b) {
    return a.instance == b.instance && a.shard == b.shard && a.slot == b.slot &&
           a.generation == b.generation;
}

constexpr uint32_t this_instance = 0x01020304;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const token_codec codec("fuzz key material", this_instance);
    static const token_codec other_key("another key", this_instance);
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    connection_address decoded;
    const auto verdict = codec.decode(input, decoded);
    if (verdict != token_codec::verdict::malformed) {
        // Canonical up to base64 padding, which signed_token_codec::open accepts on purpose
        // (found by this target: "<token>==" names the same connection as "<token>").
        std::string_view unpadded = input;
        if (unpadded.size() % 4 == 0 && unpadded.ends_with("==")) {
            unpadded.remove_suffix(2);
        }
        require(codec.encode(decoded) == unpadded);
        require((verdict == token_codec::verdict::ok) == (decoded.instance == this_instance));
    }

    if (size < 14) {
        return 0;
    }
    connection_address a;
    std::memcpy(&a.instance, data, 4);
    std::memcpy(&a.shard, data + 4, 2);
    std::memcpy(&a.slot, data + 6, 4);
    std::memcpy(&a.generation, data + 10, 4);
    if (size > 14 && data[14] % 2 == 0) {
        a.instance = this_instance;  // half of the encoded addresses are this run's
    }
    const std::string token = codec.encode(a);
    connection_address back;
    const auto v = codec.decode(token, back);
    require(v ==
            (a.instance == this_instance ? token_codec::verdict::ok : token_codec::verdict::stale));
    require(same(a, back));
    require(other_key.decode(token, back) == token_codec::verdict::malformed);
    if (size > 16) {
        std::string altered = token;
        const std::size_t at = data[15] % altered.size();
        const char c = static_cast<char>(data[16]);
        if (c != altered[at]) {
            altered[at] = c;
            require(codec.decode(altered, back) == token_codec::verdict::malformed);
        }
    }
    return 0;
}
