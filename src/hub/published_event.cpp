#include "hub/published_event.hpp"

#include <boost/json/serialize.hpp>
#include <functional>

#include "cloudevents/encode.hpp"

namespace rig::hub {
namespace {

// "<type>\n<value as JSON>" for a scalar (string, number, boolean) at `pointer`; nothing for
// a missing value, null, an object or an array.
std::optional<core::conflation_key> conflation_key_of(const std::string& type,
                                                      const boost::json::value& doc,
                                                      const std::string& pointer) {
    boost::json::error_code ec;
    const boost::json::value* v =
        doc.find_pointer(boost::json::string_view(pointer.data(), pointer.size()), ec);
    if (v == nullptr || !(v->is_string() || v->is_number() || v->is_bool())) {
        return std::nullopt;
    }
    core::conflation_key key;
    key.text += type;
    key.text += '\n';
    key.text += boost::json::serialize(*v);
    key.hash = std::hash<std::string>{}(key.text);
    return key;
}

}  // namespace

published_event::published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex,
                                 bool sse_id)
    : type_(std::move(ev.type)), id_(std::move(ev.id)) {
    auto sse = cloudevents::encode_sse_chunk(type_, sse_id ? std::string_view(id_) : "", ev.json);
    sse_chunk_ = std::move(sse.bytes);
    sse_offset_ = static_cast<uint8_t>(sse.payload_offset);
    auto ws = cloudevents::encode_ws_text_frame(ev.json);
    ws_frame_ = std::move(ws.bytes);
    json_offset_ = static_cast<uint8_t>(ws.payload_offset);
    extractor_ = ex.for_type(type_);
    if (extractor_ != nullptr) {
        field_values_ = subscription::extractors::extract(*extractor_, ev.document);
    }
    if (!ex.conflation_pointer().empty()) {
        conflation_ = conflation_key_of(type_, ev.document, ex.conflation_pointer());
    }
}

published_event::published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex,
                                 unframed_t)
    : type_(std::move(ev.type)),
      id_(std::move(ev.id)),
      ws_frame_(std::move(ev.json)),
      framed_(false) {
    extractor_ = ex.for_type(type_);
    if (extractor_ != nullptr) {
        field_values_ = subscription::extractors::extract(*extractor_, ev.document);
    }
    if (!ex.conflation_pointer().empty()) {
        conflation_ = conflation_key_of(type_, ev.document, ex.conflation_pointer());
    }
}

published_event::published_event(const published_event& other)
    : type_(other.type_),
      id_(other.id_),
      extractor_(other.extractor_),
      field_values_(other.field_values_),
      conflation_(other.conflation_) {
    seq_ = other.seq_;
    published_at_ = other.published_at_;
    const std::string_view json = other.json();
    auto sse = cloudevents::encode_sse_chunk(type_, id_, json);
    sse_chunk_ = std::move(sse.bytes);
    sse_offset_ = static_cast<uint8_t>(sse.payload_offset);
    auto ws = cloudevents::encode_ws_text_frame(json);
    ws_frame_ = std::move(ws.bytes);
    json_offset_ = static_cast<uint8_t>(ws.payload_offset);
}

event_ptr make_unframed_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    return std::make_shared<const published_event>(std::move(ev), ex,
                                                   published_event::unframed_t{});
}

event_ptr make_published_event(cloudevents::cloud_event&& ev, const subscription::extractors& ex) {
    return std::make_shared<const published_event>(std::move(ev), ex);
}

}  // namespace rig::hub
