#pragma once
// JsonDomWriter: builds a JSON value (nlohmann, key order kept) from the same calls
// RapidJSON's streaming Writer takes (StartObject, Key, String, ...), so one result
// writer serves both CallText (text) and Call / ModelHandle (a value) without
// rendering text and parsing it back. Keys arrive unique from the result writers
// and are appended without a search. Not thread-safe; one writer per value.

#include <rapidjson/rapidjson.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kin::api {

class JsonDomWriter {
 public:
  using Json = nlohmann::ordered_json;
  using Ch = char;

  explicit JsonDomWriter(Json& root) : root_(root) {}

  bool Null() { return Put(Json()); }
  bool Bool(bool b) { return Put(Json(b)); }
  bool Int(int i) { return Put(Json(static_cast<int64_t>(i))); }
  bool Int64(int64_t i) { return Put(Json(i)); }
  bool Uint64(uint64_t i) { return Put(Json(i)); }
  bool Double(double d) { return Put(Json(d)); }
  bool String(const char* s, rapidjson::SizeType n, bool = false) { return Put(Json(std::string(s, n))); }
  bool String(const char* s) { return Put(Json(std::string(s))); }
  bool Key(const char* s, rapidjson::SizeType n, bool = false) {
    key_.assign(s, n);
    return true;
  }
  bool Key(const char* s) {
    key_.assign(s);
    return true;
  }
  // Text that is already JSON (a decimal, a stored JSON value): parsed into the tree.
  bool RawValue(const char* s, size_t n, rapidjson::Type) { return Put(Json::parse(s, s + n)); }
  bool StartObject() { return Open(Json::object()); }
  // A hint after StartObject: the object will get about `n` keys (saves regrowth,
  // which copies every key: the keys of an ordered object are const).
  void ReserveKeys(size_t n) { open_.back()->get_ref<Json::object_t&>().reserve(n); }
  bool StartArray() { return Open(Json::array()); }
  bool EndObject(rapidjson::SizeType = 0) { return Close(); }
  bool EndArray(rapidjson::SizeType = 0) { return Close(); }

 private:
  // Adds `v` to the innermost open container (or makes it the root) and returns
  // where it now lives. Pointers to open containers stay valid: only the innermost
  // one grows.
  Json* Place(Json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *open_.back();
    if (top.is_array()) {
      auto& items = top.get_ref<Json::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    auto& fields = top.get_ref<Json::object_t&>();
    fields.Json::object_t::Container::emplace_back(std::move(key_), std::move(v));
    return &fields.back().second;
  }
  bool Put(Json&& v) {
    Place(std::move(v));
    return true;
  }
  bool Open(Json&& container) {
    open_.push_back(Place(std::move(container)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  Json& root_;
  std::vector<Json*> open_;
  std::string key_;
};

}  // namespace kin::api
