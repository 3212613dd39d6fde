#pragma once
// Names derived from model keys: English plurals (the rules of the npm `pluralize`
// package), snake_case, and words for messages. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace kin::naming {

// Plural of a PascalCase key; the last word decides and keeps its case:
// "Category" -> "Categories", "OrderProduct" -> "OrderProducts", "Person" -> "People",
// "Info" -> "Info".
std::string Pluralize(std::string_view word);

// "parentStore" -> "parent_store", "OrderProduct" -> "order_product", "store" -> "store".
std::string SnakeCase(std::string_view name);

// "OrderProduct" -> "Order product" (first word keeps its capital, the rest lower case).
std::string Words(std::string_view pascal_name);

}  // namespace kin::naming
