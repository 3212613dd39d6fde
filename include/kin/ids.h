#pragma once
// Strong ids for schema entities: a model, a property slot inside a model's record,
// a relation (global across the schema). Plain values; thread-safe to copy.

#include <compare>
#include <cstdint>
#include <unordered_map>  // std::hash (also declared by <functional>)

namespace kin {

template <typename Tag>
struct StrongId {
  static constexpr uint32_t kInvalid = UINT32_MAX;
  uint32_t value = kInvalid;
  constexpr StrongId() = default;
  constexpr explicit StrongId(uint32_t v) : value(v) {}
  constexpr bool valid() const { return value != kInvalid; }
  friend constexpr auto operator<=>(StrongId, StrongId) = default;
};

using ModelId = StrongId<struct ModelTag>;        // index into Schema::models()
using SlotId = StrongId<struct SlotTag>;          // index into a record's values
using RelationId = StrongId<struct RelationTag>;  // index into Schema::relations()

}  // namespace kin

template <typename Tag>
struct std::hash<kin::StrongId<Tag>> {
  size_t operator()(kin::StrongId<Tag> id) const noexcept { return std::hash<uint32_t>()(id.value); }
};
