#include "api/request_reader.h"

#include "api/json_lines.h"

#include <algorithm>
#include <string>
#include <vector>

#include "api/limits.h"
#include "api/value_json.h"

namespace kin::api {

using OJson = nlohmann::ordered_json;

namespace {

// What the parsed form of each part costs (nlohmann::ordered_json, 64-bit libstdc++,
// glibc malloc chunks): a value is 16 bytes in its container; an array or object
// keeps a 24-byte vector on the heap (a 32-byte chunk); an object member adds its
// key, a 32-byte std::string, to the value; a string value is a 32-byte std::string
// on the heap (a 48-byte chunk). A string of more than 15 bytes keeps its bytes on
// the heap too (its length from the text, escapes counted whole, plus the 0 byte
// and a chunk header). A container's element count is 4 bytes while parsing.
constexpr size_t kValueBytes = 16, kContainerBytes = 32 + 4, kKeyBytes = 32, kStringBytes = 48;
size_t HeapText(size_t length) { return length > 15 ? length + 1 + 8 + 15 : 0; }  // 0 byte, header, rounding

// One open array or object during the scan.
struct Open {
  size_t index;      // into the counts
  size_t commas = 0;
  bool object;
  bool any = false;  // holds an element
  bool key_next;     // object: the next string is a key
};

// The scan: CheckRequestLine, and the element count of every container in the
// order they open (what the parse reserves).
Status Scan(std::string_view line, RequestShape* shape, std::vector<uint32_t>* counts) {
  KIN_RETURN_IF_ERROR(CheckRequestLineSize(line.size()));
  if (size_t nul = line.find('\0'); nul != std::string_view::npos)
    return Status::InvalidArgument("The request line holds a NUL byte (at byte " + std::to_string(nul) + ")");
  if (size_t valid = Utf8Prefix(line); valid != line.size())
    return Status::InvalidArgument("The request line is not valid UTF-8 (at byte " + std::to_string(valid) + ")");
  std::vector<Open> open;
  size_t bytes = 0, containers = 0;
  bool in_scalar = false;  // inside a number, true, false or null
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    const bool structural = c == '[' || c == '{' || c == ']' || c == '}' || c == ',' || c == ':' || c == '"';
    if (space || structural) in_scalar = false;
    if (space || c == ':') continue;
    if (c == '"') {
      const size_t start = i;
      for (++i; i < line.size() && line[i] != '"'; ++i)
        if (line[i] == '\\') ++i;  // the escaped character cannot end the string
      const size_t length = i - start - 1;
      if (!open.empty() && open.back().object && open.back().key_next) {
        bytes += kKeyBytes + HeapText(length);
        open.back().key_next = false;
      } else {
        bytes += kValueBytes + kStringBytes + HeapText(length);
      }
      if (!open.empty()) open.back().any = true;
      continue;
    }
    if (c == '[' || c == '{') {
      if (open.size() >= kMaxJsonDepth)
        return Status::InvalidArgument("The JSON is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      if (!open.empty()) open.back().any = true;
      bytes += kValueBytes + kContainerBytes;
      open.push_back({counts->size(), 0, c == '{', false, c == '{'});
      counts->push_back(0);
      ++containers;
    } else if (c == ']' || c == '}') {
      if (open.empty()) continue;  // not JSON: the parser says so
      (*counts)[open.back().index] = static_cast<uint32_t>(open.back().any ? open.back().commas + 1 : 0);
      open.pop_back();
    } else if (c == ',') {
      if (open.empty()) continue;
      ++open.back().commas;
      open.back().key_next = open.back().object;
    } else if (!in_scalar) {
      in_scalar = true;
      bytes += kValueBytes;
      if (!open.empty()) open.back().any = true;
    }
  }
  const size_t budget = kMaxParseFactor * line.size() + kParseAllowanceBytes;
  if (bytes > budget)
    return Status::InvalidArgument("The request line holds too many small values: parsed, it would take " +
                                   std::to_string(bytes) + " bytes, more than " + std::to_string(kMaxParseFactor) +
                                   " times its " + std::to_string(line.size()) + " bytes");
  if (shape) *shape = {bytes, containers};
  return Status::Ok();
}

// nlohmann's SAX interface, building the value as its DOM parser does (a repeated
// key keeps its first place and takes the last value), except that each array and
// object reserves the element count the scan found: no container grows, so none
// holds unused room or is copied as it grows. The counts are a hint: where they are
// wrong (text that is not JSON) a container grows as usual, and the parse fails.
class ReservingBuilder {
 public:
  explicit ReservingBuilder(const std::vector<uint32_t>& counts) : counts_(counts) {}

  bool null() { return Add(OJson(nullptr)); }
  bool boolean(bool b) { return Add(OJson(b)); }
  bool number_integer(OJson::number_integer_t n) { return Add(OJson(n)); }
  bool number_unsigned(OJson::number_unsigned_t n) { return Add(OJson(n)); }
  bool number_float(OJson::number_float_t n, const OJson::string_t&) { return Add(OJson(n)); }
  bool string(OJson::string_t& s) { return Add(OJson(std::move(s))); }
  bool binary(OJson::binary_t&) { return false; }  // not in JSON text
  bool start_object(std::size_t) {
    if (!Add(OJson::object())) return false;
    stack_.push_back(last_);
    Reserve(last_->get_ref<OJson::object_t&>());
    return true;
  }
  bool key(OJson::string_t& k) {
    // Appended without a search (repeated keys are merged at the end of the object:
    // a search per key would take time in the square of the object's size).
    member_ = &stack_.back()->get_ref<OJson::object_t&>().emplace_back(std::move(k), nullptr).second;
    return true;
  }
  bool end_object() {
    KeepLastOfEachKey(stack_.back()->get_ref<OJson::object_t&>());
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (!Add(OJson::array())) return false;
    stack_.push_back(last_);
    Reserve(last_->get_ref<OJson::array_t&>());
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>".
    std::string what = e.what();
    size_t at = what.find("column ");
    at = at == std::string::npos ? std::string::npos : what.find(": ", at);
    error_reason = at == std::string::npos ? what : what.substr(at + 2);
    error_offset = position == 0 ? 0 : position - 1;
    return false;
  }
  std::string error_reason;  // set by parse_error
  size_t error_offset = 0;

  OJson& root() { return root_; }

 private:
  bool Add(OJson&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      last_ = &root_;
    } else if (stack_.back()->is_array()) {
      last_ = &stack_.back()->get_ref<OJson::array_t&>().emplace_back(std::move(v));
    } else {
      *member_ = std::move(v);
      last_ = member_;
    }
    return true;
  }
  // A key given more than once keeps its first place and takes its last value.
  static void KeepLastOfEachKey(OJson::object_t& object) {
    const size_t n = object.size();
    if (n < 2) return;
    auto* member = object.data();  // by position (ordered_map's operator[] takes a key)
    if (n <= 16) {  // most objects: a look at each pair, no allocation
      bool repeated = false;
      for (size_t i = 0; i < n && !repeated; ++i)
        for (size_t j = i + 1; j < n && !repeated; ++j) repeated = member[i].first == member[j].first;
      if (!repeated) return;
    }
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return member[a].first < member[b].first; });
    std::vector<bool> drop(n);
    bool any = false;
    for (size_t a = 0, b; a < n; a = b) {
      for (b = a + 1; b < n && member[order[b]].first == member[order[a]].first;) ++b;
      if (b - a == 1) continue;
      any = true;
      member[order[a]].second = std::move(member[order[b - 1]].second);
      for (size_t k = a + 1; k < b; ++k) drop[order[k]] = true;
    }
    if (!any) return;
    OJson::object_t kept;
    kept.reserve(n);
    for (size_t i = 0; i < n; ++i)
      if (!drop[i]) kept.emplace_back(member[i].first, std::move(member[i].second));
    object = std::move(kept);
  }

  template <typename Container>
  void Reserve(Container& c) {
    if (next_ < counts_.size()) c.reserve(counts_[next_]);
    ++next_;
  }

  const std::vector<uint32_t>& counts_;
  size_t next_ = 0;
  OJson root_;
  std::vector<OJson*> stack_;  // the open containers; each stays in place while open:
                               // its parent gets no other element meanwhile
  OJson* member_ = nullptr;    // the value of the object key just read
  OJson* last_ = nullptr;      // the value just added
};

}  // namespace

Status CheckRequestLine(std::string_view line, RequestShape* shape) {
  std::vector<uint32_t> counts;
  return Scan(line, shape, &counts);
}

Result<OJson> ParseRequestLine(std::string_view line) {
  std::vector<uint32_t> counts;
  KIN_RETURN_IF_ERROR(Scan(line, nullptr, &counts));
  ReservingBuilder builder(counts);
  bool parsed = false;
  try {
    parsed = OJson::sax_parse(line.begin(), line.end(), &builder);
  } catch (const std::exception&) {
    parsed = false;
  }
  if (!parsed) {
    ReleaseJson(builder.root());
    if (builder.error_reason.empty()) return Status::InvalidArgument("The request is not valid JSON");
    return Status::InvalidArgument("The request is not valid JSON at " + DescribePosition(line, builder.error_offset) +
                                   ": " + QuoteInput(builder.error_reason));
  }
  return std::move(builder.root());
}

void ReleaseJson(OJson& json) {
  struct Level {
    OJson* node;
    size_t next;  // the first child not yet looked at
  };
  if (!json.is_structured()) return;
  std::vector<Level> path{{&json, 0}};
  while (!path.empty()) {
    OJson* const node = path.back().node;
    OJson* child = nullptr;
    for (size_t& next = path.back().next; next < node->size() && !child; ++next) {
      OJson& c = node->is_array() ? node->get_ref<OJson::array_t&>()[next]
                                  : node->get_ref<OJson::object_t&>().data()[next].second;
      if (c.is_structured() && !c.empty()) child = &c;
    }
    if (child) {
      path.push_back({child, 0});
      continue;
    }
    // Every child is a scalar or an empty container: destroying them takes no memory.
    if (node->is_array()) {
      auto& array = node->get_ref<OJson::array_t&>();
      array.clear();
      array.shrink_to_fit();
    } else {
      auto& object = node->get_ref<OJson::object_t&>();
      object.clear();
      object.shrink_to_fit();
    }
    path.pop_back();
  }
}

}  // namespace kin::api
