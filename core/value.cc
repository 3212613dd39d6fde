#include "kin/value.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kin {

Value Value::List(StringList l) {
  Value v;
  v.Store<StringList*>(0, new StringList(std::move(l)));
  v.raw_[kTagByte] = static_cast<unsigned char>(ValueType::kStringList);
  return v;
}

char* Value::AllocateText(ValueType type, size_t size) {
  if (size <= kInlineText) {
    const int kind = type == ValueType::kText ? 0 : type == ValueType::kDecimal ? 1 : 2;
    raw_[kTagByte] = static_cast<unsigned char>(kInlineTag + 32 * kind + static_cast<int>(size));
    return reinterpret_cast<char*>(raw_);
  }
  char* out = static_cast<char*>(::operator new(size));
  Store<char*>(0, out);
  Store<size_t>(8, size);
  raw_[kTagByte] = static_cast<unsigned char>(type);
  return out;
}

void Value::CopyFrom(const Value& other) {
  if (!other.owns_heap()) {
    std::memcpy(raw_, other.raw_, sizeof raw_);
  } else if (other.type() == ValueType::kStringList) {
    Store<StringList*>(0, new StringList(other.as_list()));
    raw_[kTagByte] = other.raw_[kTagByte];
  } else {
    raw_[kTagByte] = 0;  // null until the copy is made (operator new may throw)
    std::string_view text = other.TextView();
    std::memcpy(AllocateText(other.type(), text.size()), text.data(), text.size());
  }
}

void Value::ReleaseHeap() noexcept {
  if (type() == ValueType::kStringList) delete Load<StringList*>(0);
  else ::operator delete(Load<char*>(0));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull: return true;
    case ValueType::kBool:
    case ValueType::kInt:
    case ValueType::kDateTime: return a.Load<int64_t>(0) == b.Load<int64_t>(0);
    case ValueType::kFloat: return a.Load<double>(0) == b.Load<double>(0);
    case ValueType::kText:
    case ValueType::kDecimal:
    case ValueType::kJson: return a.TextView() == b.TextView();
    case ValueType::kStringList: return a.as_list() == b.as_list();
  }
  return false;
}

std::optional<double> Value::AsNumber() const {
  switch (type()) {
    case ValueType::kInt: return static_cast<double>(as_int());
    case ValueType::kFloat: return as_float();
    case ValueType::kDecimal: {
      std::string_view text = as_decimal();
      double d = 0;
      std::from_chars(text.data(), text.data() + text.size(), d);
      return d;
    }
    case ValueType::kDateTime: return static_cast<double>(as_time().ms);
    default: return std::nullopt;
  }
}

void Value::AppendKey(std::string* out) const {
  out->push_back(static_cast<char>('0' + static_cast<int>(type())));
  auto append_sized = [out](std::string_view s) {
    out->append(std::to_string(s.size()));
    out->push_back(':');
    out->append(s);
  };
  switch (type()) {
    case ValueType::kNull: break;
    case ValueType::kBool: out->push_back(as_bool() ? '1' : '0'); break;
    case ValueType::kInt: append_sized(std::to_string(as_int())); break;
    case ValueType::kFloat: {
      char buf[32];
      // -0.0 == 0.0, so both get the key of 0.
      auto r = std::to_chars(buf, buf + sizeof buf, as_float() == 0.0 ? 0.0 : as_float());
      append_sized(std::string_view(buf, r.ptr - buf));
      break;
    }
    case ValueType::kText: append_sized(as_text()); break;
    case ValueType::kDateTime: append_sized(std::to_string(as_time().ms)); break;
    case ValueType::kDecimal: append_sized(as_decimal()); break;
    case ValueType::kJson: append_sized(as_json()); break;
    case ValueType::kStringList:
      // The count is terminated: "1" + "150:" must not read as "11" + "50:".
      out->append(std::to_string(as_list().size()));
      out->push_back('#');
      for (const auto& s : as_list()) append_sized(s);
      break;
  }
  out->push_back(';');
}

std::string Value::ToDisplay() const {
  switch (type()) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return as_bool() ? "true" : "false";
    case ValueType::kInt: return std::to_string(as_int());
    case ValueType::kFloat: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, as_float());
      return std::string(buf, r.ptr - buf);
    }
    case ValueType::kText: return std::string(as_text());
    case ValueType::kDateTime: return FormatTimestamp(as_time());
    case ValueType::kDecimal: return std::string(as_decimal());
    case ValueType::kJson: return std::string(as_json());
    case ValueType::kStringList: {
      std::string s;
      for (const auto& e : as_list()) s += (s.empty() ? "" : ",") + e;
      return s;
    }
  }
  return "";
}

namespace {
bool IsNumeric(ValueType t) {
  return t == ValueType::kInt || t == ValueType::kFloat || t == ValueType::kDecimal;
}
template <typename T>
int Cmp(const T& a, const T& b) { return a < b ? -1 : (b < a ? 1 : 0); }

// Exact three-way comparison of plain decimal texts ("-12.5", "1000", "0.25"), so
// bigNumber values beyond a double's 15-17 digits still order correctly; nullopt
// when either text is not plain decimal (then the caller compares doubles).
std::optional<int> CompareDecimalText(std::string_view a, std::string_view b) {
  struct Parts { bool neg = false; std::string_view int_part, frac_part; };
  auto split = [](std::string_view s) -> std::optional<Parts> {
    Parts p;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) { p.neg = s[0] == '-'; s.remove_prefix(1); }
    size_t dot = s.find('.');
    p.int_part = s.substr(0, dot);
    p.frac_part = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (p.int_part.empty() && p.frac_part.empty()) return std::nullopt;
    for (std::string_view part : {p.int_part, p.frac_part})
      for (char c : part)
        if (c < '0' || c > '9') return std::nullopt;
    while (!p.int_part.empty() && p.int_part[0] == '0') p.int_part.remove_prefix(1);
    while (!p.frac_part.empty() && p.frac_part.back() == '0') p.frac_part.remove_suffix(1);
    if (p.int_part.empty() && p.frac_part.empty()) p.neg = false;  // -0 is 0
    return p;
  };
  auto x = split(a), y = split(b);
  if (!x || !y) return std::nullopt;
  if (x->neg != y->neg) return x->neg ? -1 : 1;
  int magnitude = Cmp(x->int_part.size(), y->int_part.size());
  if (magnitude == 0) magnitude = Cmp(x->int_part, y->int_part);
  if (magnitude == 0) magnitude = Cmp(x->frac_part, y->frac_part);  // no trailing zeros: by text
  return x->neg ? -magnitude : magnitude;
}

// The exact decimal text of an int or decimal value, or empty.
std::string DecimalText(const Value& v) {
  if (v.type() == ValueType::kInt) return std::to_string(v.as_int());
  if (v.type() == ValueType::kDecimal) return std::string(v.as_decimal());
  return std::string();
}
}  // namespace

int CompareValues(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Cmp(!a.is_null(), !b.is_null());
  if (a.type() == ValueType::kInt && b.type() == ValueType::kInt) return Cmp(a.as_int(), b.as_int());
  if (IsNumeric(a.type()) && IsNumeric(b.type())) {
    if (a.type() != ValueType::kFloat && b.type() != ValueType::kFloat)
      if (auto exact = CompareDecimalText(DecimalText(a), DecimalText(b))) return *exact;
    return Cmp(*a.AsNumber(), *b.AsNumber());
  }
  if (a.type() != b.type()) return Cmp(static_cast<int>(a.type()), static_cast<int>(b.type()));
  switch (a.type()) {
    case ValueType::kBool: return Cmp(a.as_bool(), b.as_bool());
    case ValueType::kText: return Cmp(a.as_text(), b.as_text());
    case ValueType::kDateTime: return Cmp(a.as_time().ms, b.as_time().ms);
    case ValueType::kJson: return Cmp(a.as_json(), b.as_json());
    case ValueType::kStringList: return Cmp(a.as_list(), b.as_list());
    default: return 0;
  }
}

// ---- timestamps -------------------------------------------------------------

namespace {
// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

size_t FormatTimestamp(Timestamp t, char (&out)[kTimestampBufferSize]) {
  int64_t days = t.ms >= 0 ? t.ms / 86400000 : -((-t.ms + 86399999) / 86400000);
  int64_t rem = t.ms - days * 86400000;
  int64_t y; unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) {  // outside the fixed-width form: rare, keep printf's rendering
    int n = std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                          static_cast<int>(rem / 3600000), static_cast<int>(rem / 60000 % 60),
                          static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
    return std::min(static_cast<size_t>(n), sizeof out - 1);
  }
  // "YYYY-MM-DDTHH:MM:SS.mmmZ" two digits at a time (this runs for every timestamp
  // written out).
  static constexpr char kPairs[] =
      "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
      "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
  auto two = [&out](size_t at, unsigned v) { std::memcpy(out + at, kPairs + 2 * v, 2); };
  std::memcpy(out, "0000-00-00T00:00:00.000Z", 25);
  const auto year = static_cast<unsigned>(y);
  const auto r = static_cast<unsigned>(rem);  // milliseconds into the day
  two(0, year / 100);
  two(2, year % 100);
  two(5, m);
  two(8, d);
  two(11, r / 3600000);
  two(14, r / 60000 % 60);
  two(17, r / 1000 % 60);
  out[20] = static_cast<char>('0' + r % 1000 / 100);
  two(21, r % 100);
  return 24;
}

std::string FormatTimestamp(Timestamp t) {
  char buf[kTimestampBufferSize];
  return std::string(buf, FormatTimestamp(t, buf));
}

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  // YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+00:00]
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d))
    return std::nullopt;
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    if (!Digits(s, p + 1, 2, &h) || p + 3 >= s.size() || s[p + 3] != ':' || !Digits(s, p + 4, 2, &mi))
      return std::nullopt;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!Digits(s, p + 1, 2, &sec)) return std::nullopt;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        size_t q = p + 1;
        int scale = 100;
        while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
          ms += (s[q] - '0') * scale;
          scale /= 10;
          ++q;
        }
        if (q == p + 1) return std::nullopt;
        p = q;
      }
    }
  }
  int64_t offset_min = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' && p + 1 == s.size()) {
      p++;
    } else if ((s[p] == '+' || s[p] == '-') && s.size() == p + 6 && s[p + 3] == ':') {
      int oh, om;
      if (!Digits(s, p + 1, 2, &oh) || !Digits(s, p + 4, 2, &om)) return std::nullopt;
      offset_min = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
      p += 6;
    } else {
      return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t total = ((days * 24 + h) * 60 + mi - offset_min) * 60 + sec;
  return Timestamp{total * 1000 + ms};
}

Timestamp Now() {
  using namespace std::chrono;
  return Timestamp{duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

std::optional<Decimal> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 400) return std::nullopt;
  // Validate the grammar: -?digits(.digits)?([eE][+-]?digits)?
  size_t i = 0;
  bool neg = false;
  if (s[i] == '-' || s[i] == '+') { neg = s[i] == '-'; ++i; }
  std::string int_part, frac_part;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) int_part += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) frac_part += s[i++];
  }
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  long exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) { eneg = s[i] == '-'; ++i; }
    if (i == s.size()) return std::nullopt;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      exp = exp * 10 + (s[i++] - '0');
      if (exp > 400) return std::nullopt;
    }
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return std::nullopt;
  // Shift the decimal point by the exponent.
  std::string digits = int_part + frac_part;
  long point = static_cast<long>(int_part.size()) + exp;
  if (point < 0) { digits.insert(0, static_cast<size_t>(-point), '0'); point = 0; }
  if (point > static_cast<long>(digits.size())) digits.append(static_cast<size_t>(point) - digits.size(), '0');
  std::string ip = digits.substr(0, static_cast<size_t>(point));
  std::string fp = digits.substr(static_cast<size_t>(point));
  while (ip.size() > 1 && ip[0] == '0') ip.erase(0, 1);
  if (ip.empty()) ip.assign(1, '0');
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  std::string out = ip;
  if (!fp.empty()) out += "." + fp;
  if (out.size() > kMaxDecimalDigits) return std::nullopt;  // output must stay a JSON number parsers read
  if (neg && out != "0") out.insert(out.begin(), '-');
  return Decimal{out};
}

}  // namespace kin
