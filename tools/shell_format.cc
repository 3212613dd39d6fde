#include "tools/shell_format.h"

#include <algorithm>
#include <vector>

namespace kin::tools {

namespace {

using OJson = nlohmann::ordered_json;

std::string Dump(const OJson& v, int indent = -1) { return v.dump(indent, ' ', false, OJson::error_handler_t::replace); }

// Characters as people count them: UTF-8 code points.
size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The first `n` code points of s.
std::string_view Prefix(std::string_view s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if ((s[i] & 0xC0) != 0x80 && seen++ == n) return s.substr(0, i);
  return s;
}

// A value as a table cell: text without quotes, the rest as one-line JSON; control
// characters escaped so a cell stays on its line; at most kMaxCellWidth wide.
std::string Cell(const OJson& v) {
  std::string text = v.is_string() ? v.get<std::string>() : Dump(v);
  std::string clean;
  for (char c : text) {
    if (c == '\n') clean += "\\n";
    else if (c == '\t') clean += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20) clean += '?';
    else clean += c;
  }
  if (Width(clean) <= kMaxCellWidth) return clean;
  return std::string(Prefix(clean, kMaxCellWidth - 3)) + "...";
}

void Pad(std::string* out, std::string_view cell, size_t width) {
  *out += cell;
  out->append(width - std::min(width, Width(cell)), ' ');
}

std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = Width(header[c]);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], Width(row[c]));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) out += " | ";
      if (c + 1 == cells.size()) out += cells[c];  // no trailing spaces
      else Pad(&out, cells[c], width[c]);
    }
    out += '\n';
  };
  line(header);
  for (size_t c = 0; c < width.size(); ++c) {
    if (c) out += "-+-";
    out.append(width[c], '-');
  }
  out += '\n';
  for (const auto& row : rows) line(row);
  return out;
}

bool IsRecordList(const OJson& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const OJson& r) { return r.is_object(); });
}

std::string RowCount(size_t n) { return "(" + std::to_string(n) + (n == 1 ? " row)\n" : " rows)\n"); }

}  // namespace

bool ParseOutputMode(std::string_view word, OutputMode* mode) {
  if (word == "pretty") *mode = OutputMode::kPretty;
  else if (word == "json") *mode = OutputMode::kJson;
  else if (word == "table") *mode = OutputMode::kTable;
  else return false;
  return true;
}

const char* OutputModeName(OutputMode mode) {
  switch (mode) {
    case OutputMode::kPretty: return "pretty";
    case OutputMode::kJson: return "json";
    case OutputMode::kTable: return "table";
  }
  return "pretty";
}

std::string FormatTable(const OJson& rows) {
  std::vector<std::string> header;
  for (const auto& r : rows)
    for (const auto& [key, v] : r.items())
      if (std::find(header.begin(), header.end(), key) == header.end()) header.push_back(key);
  if (header.empty()) return RowCount(rows.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    auto& row = cells.emplace_back();
    for (const auto& key : header) {
      auto it = r.find(key);
      row.push_back(it == r.end() ? "" : Cell(*it));
    }
  }
  return RenderTable(header, cells) + RowCount(rows.size());
}

std::string FormatResult(const OJson& result, OutputMode mode) {
  switch (mode) {
    case OutputMode::kJson: return Dump(result) + "\n";
    case OutputMode::kPretty: return Dump(result, 2) + "\n";
    case OutputMode::kTable: break;
  }
  if (IsRecordList(result)) return FormatTable(result);
  // listAndCount: [rows, count].
  if (result.is_array() && result.size() == 2 && IsRecordList(result[0]) && result[1].is_number_integer())
    return FormatTable(result[0]) + "count: " + Dump(result[1]) + "\n";
  if (result.is_object() && !result.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, v] : result.items()) rows.push_back({key, Cell(v)});
    return RenderTable({"field", "value"}, rows);
  }
  return Dump(result, 2) + "\n";  // null, {} and values that are not records
}

std::string FormatError(const Status& status, bool colour, const std::string& context) {
  std::string out = colour ? "\x1b[1;31merror:\x1b[0m " : "error: ";
  if (!context.empty()) out += context + ": ";
  return out + ErrorTypeName(status.type()) + ": " + status.message() + "\n";
}

}  // namespace kin::tools
