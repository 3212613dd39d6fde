#pragma once
// How the shell shows results and errors. Stateless functions.
//
//   pretty (default)  indented JSON
//   json              one line of JSON, as `kin exec` writes results
//   table             records as rows under a header; one record as field | value;
//                     listAndCount as its rows and the count
//
//   kin> listProducts {} {"select": ["title", "price"]}     (.mode table)
//   id                               | title | price
//   ---------------------------------+-------+------
//   prod_01JD4S8Q1V6N1W8A7Q0C5Z2H3K  | Shirt | 20
//   (1 row)

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kin/status.h"

namespace kin::tools {

enum class OutputMode { kPretty, kJson, kTable };

// "pretty", "json" or "table"; false for anything else.
bool ParseOutputMode(std::string_view word, OutputMode* mode);
const char* OutputModeName(OutputMode mode);

// A result as the mode shows it, ending with a newline.
std::string FormatResult(const nlohmann::ordered_json& result, OutputMode mode);

// An array of records as a table, with a "(N rows)" line. Cells longer than
// kMaxCellWidth characters are cut with "...". Nested values are one-line JSON.
constexpr size_t kMaxCellWidth = 48;
std::string FormatTable(const nlohmann::ordered_json& rows);

// "error: not_found: Product with id: p1 was not found" and a newline; "error:" in
// bold red when `colour`. `context` goes before the type ("call 1 (createProducts)").
std::string FormatError(const Status& status, bool colour, const std::string& context = "");

}  // namespace kin::tools
