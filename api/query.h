#pragma once
// Read configuration and filters from their JSON form (SPEC.md sections 2, 4, 5):
// which fields and relations to output, order, skip/take, withDeleted; and the
// compiled Filter. Stateless; thread-safe.

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/filter.h"
#include "core/query.h"
#include "kin/schema.h"
#include "kin/status.h"

namespace kin::api {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

// What to output of one record and which relations to load under it.
struct ReadPlan {
  std::vector<bool> fields;  // per slot; empty = every field
  struct Child {
    RelationId relation;
    std::unique_ptr<ReadPlan> plan;
  };
  std::vector<Child> relations;
  // The order of these records under their parent, for a loaded to-many relation
  // (`order: {posts: {title: "DESC"}}`); empty: primary key ascending.
  std::vector<OrderKey> order;

  bool Shows(SlotId slot) const { return fields.empty() || fields[slot.value]; }
  // Shows only the primary key (and what is added later), unless already selective.
  void Restrict(size_t slots) {
    if (!fields.empty()) return;
    fields.assign(slots, false);
    fields[0] = true;  // the primary key is always output
  }
  ReadPlan* ChildFor(RelationId relation);
  // The plan of a relation already asked for, or null.
  ReadPlan* FindChild(RelationId relation) const;
};

struct ReadConfig {
  ReadPlan plan;
  bool with_deleted = false;
  size_t skip = 0;
  std::optional<size_t> take;
  std::vector<OrderKey> order;  // then primary key ascending
};

// `config` may be null or absent (every field, no relations). A relation path
// deeper than kMaxRelationDepth (api/limits.h) is invalid_argument.
Result<ReadConfig> ParseReadConfig(const Schema& schema, const ModelDef& model, const Json& config);

// `filters` may be null (everything). Unknown properties and malformed operators are
// invalid_data; a filter nested deeper than kMaxFilterDepth (api/limits.h) is
// invalid_argument (the parse recurses once per level, so the bound is checked first).
Result<Filter> ParseFilter(const Schema& schema, const ModelDef& model, const Json& filters);
// The query a parsed filter and config ask for (`with_count`: count every match too).
QueryRequest ToRequest(const Filter& filter, const ReadConfig& config, bool with_count);
// The same, taking the config's order instead of copying it.
QueryRequest ToRequest(const Filter& filter, ReadConfig&& config, bool with_count);

// How JavaScript would print a value in a message ("[object Object]", "a,b", "12").
std::string JsDisplay(const Json& j);

}  // namespace kin::api
