#include "api/record_writer.h"

#include <algorithm>
#include <unordered_set>

#include "api/value_json.h"

namespace kin::api {

template <typename Out>
void WriteValue(Out& out, const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: out.Null(); break;
    case ValueType::kBool: out.Bool(v.as_bool()); break;
    case ValueType::kInt: out.Int64(v.as_int()); break;
    case ValueType::kFloat: out.Double(v.as_float()); break;
    case ValueType::kText: out.String(v.as_text().data(), static_cast<rapidjson::SizeType>(v.as_text().size())); break;
    case ValueType::kDateTime: {
      char text[kTimestampBufferSize];
      out.String(text, static_cast<rapidjson::SizeType>(FormatTimestamp(v.as_time(), text)));
      break;
    }
    case ValueType::kDecimal: {
      std::string_view s = v.as_decimal();
      out.RawValue(s.data(), s.size(), rapidjson::kNumberType);
      break;
    }
    case ValueType::kJson: {
      std::string_view s = v.as_json();
      out.RawValue(s.data(), s.size(), rapidjson::kObjectType);
      break;
    }
    case ValueType::kStringList:
      out.StartArray();
      for (const auto& s : v.as_list()) out.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      out.EndArray();
      break;
  }
}

template <typename Out>
bool RecordWriter<Out>::OnPath(const Record* r) const { return std::find(path_.begin(), path_.end(), r) != path_.end(); }

template <typename Out>
void RecordWriter<Out>::WriteFields(const ModelDef& model, const Record& r, const ReadPlan& plan) {
  for (SlotId slot : model.declared) {
    const PropertyDef& p = model.properties[slot.value];
    if (!plan.Shows(p.slot)) continue;
    const Value& v = r.value(p.slot.value);
    out_.Key(p.name.data(), static_cast<rapidjson::SizeType>(p.name.size()));
    WriteValue(out_, v);
    if (p.type == PropertyType::kBigNumber) {  // selected with its value, as Medusa does
      std::string raw = "raw_" + p.name;
      out_.Key(raw.data(), static_cast<rapidjson::SizeType>(raw.size()));
      if (v.is_null()) {
        out_.Null();
      } else {
        const std::string value = RawDecimalText(v.as_decimal());
        out_.StartObject();
        out_.Key("value");
        out_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
        out_.Key("precision");
        out_.Int(20);
        out_.EndObject();
      }
    }
  }
}

template <typename Out>
void RecordWriter<Out>::Write(const ModelDef& model, const Record& r, const ReadPlan& plan) {
  out_.StartObject();
  if constexpr (std::is_same_v<Out, JsonDomWriter>) out_.ReserveKeys(model.properties.size() + plan.relations.size());
  WriteFields(model, r, plan);
  path_.push_back(&r);
  for (const auto& child : plan.relations) WriteRelation(schema_.relation(child.relation), r, *child.plan);
  path_.pop_back();
  out_.EndObject();
}

template <typename Out>
void RecordWriter<Out>::WriteRelation(const RelationDef& rel, const Record& r, const ReadPlan& plan) {
  const ModelDef& target = schema_.model(rel.target);
  const auto& linked = r.links(rel.local);
  if (!rel.is_many()) {
    // A hasOne parent may also hold soft-deleted children: the live one comes first.
    const Record* other = nullptr;
    for (const Record* l : linked)
      if (store_.IsLive(target, *l)) { other = l; break; }
    if (!other && !linked.empty()) other = linked[0];
    if (other && OnPath(other)) return;  // a back-reference is left out
    out_.Key(rel.name.data(), static_cast<rapidjson::SizeType>(rel.name.size()));
    if (other && (with_deleted_ || store_.IsLive(target, *other))) Write(target, *other, plan);
    else out_.Null();
    return;
  }
  out_.Key(rel.name.data(), static_cast<rapidjson::SizeType>(rel.name.size()));
  out_.StartArray();
  if (!rel.through_pivot() && plan.order.empty()) {  // the common case: the list's order
    for (const Record* other : linked)
      if ((with_deleted_ || store_.IsLive(target, *other)) && !OnPath(other)) Write(target, *other, plan);
    out_.EndArray();
    return;
  }
  // (record, pivot record or null) in output order: the list's (primary key), or
  // the relation's own `order`.
  std::vector<std::pair<const Record*, const Record*>> items;
  items.reserve(linked.size());
  if (!rel.through_pivot()) {
    for (const Record* other : linked)
      if ((with_deleted_ || store_.IsLive(target, *other)) && !OnPath(other)) items.emplace_back(other, nullptr);
  } else {
    const ModelDef& pivot = schema_.model(rel.pivot);
    uint32_t far = schema_.relation(rel.pivot_far).local;
    std::unordered_set<const Record*> listed;
    for (const Record* link : linked) {
      if (link->links(far).empty()) continue;
      const Record* other = link->links(far)[0];
      if (!with_deleted_ && (!store_.IsLive(pivot, *link) || !store_.IsLive(target, *other))) continue;
      if (OnPath(other)) continue;
      // Each linked record once, with the pivot record of smallest primary key (the
      // list is in pivot primary-key order, so the first seen).
      if (listed.insert(other).second) items.emplace_back(other, link);
    }
  }
  if (!plan.order.empty())
    std::stable_sort(items.begin(), items.end(), [&](const auto& a, const auto& b) {
      return OrderedBefore(store_, *a.first, *b.first, plan.order, with_deleted_);
    });
  static const ReadPlan kAllFields;
  for (const auto& [other, link] : items) {
    if (!link) {
      Write(target, *other, plan);
      continue;
    }
    out_.StartObject();
    WriteFields(target, *other, plan);
    path_.push_back(other);
    for (const auto& child : plan.relations) WriteRelation(schema_.relation(child.relation), *other, *child.plan);
    path_.pop_back();
    out_.Key("$pivot");
    out_.StartObject();
    WriteFields(schema_.model(rel.pivot), *link, kAllFields);
    out_.EndObject();
    out_.EndObject();
  }
  out_.EndArray();
}

template <typename Out>
void RecordWriter<Out>::WriteArray(const ModelDef& model, std::span<const Record* const> records, const ReadPlan& plan) {
  out_.StartArray();
  for (const Record* r : records) Write(model, *r, plan);
  out_.EndArray();
}

template class RecordWriter<JsonTextWriter>;
template class RecordWriter<JsonDomWriter>;
template void WriteValue(JsonTextWriter&, const Value&);
template void WriteValue(JsonDomWriter&, const Value&);

std::string RenderRecords(const CallContext& ctx, const ModelDef& model, std::span<const Record* const> records,
                          const ReadPlan& plan, bool with_deleted, bool single) {
  return EmitResult(ctx, [&](auto& out) {
    RecordWriter rw(ctx.store, with_deleted, out);
    if (single) rw.Write(model, *records[0], plan);
    else rw.WriteArray(model, records, plan);
  });
}

}  // namespace kin::api
