#pragma once
// StoreMigrationData: the records of a Store as a migration plan asks about them
// (core/schema_diff.h), by the names of the store's schema. Reads only; the caller
// keeps the store unchanged while the plan is made (a ReadView, or the writer role).
// Not thread-safe beyond that: one plan at a time.

#include "core/schema_diff.h"
#include "core/store.h"

namespace kin {

class StoreMigrationData final : public MigrationData {
 public:
  explicit StoreMigrationData(const Store& store) : store_(store) {}

  // Unknown model or property names are invalid_argument.
  Result<bool> HasRecords(std::string_view model) const override;
  Result<bool> HoldsValue(std::string_view model, std::string_view property, const Value& value) const override;
  Result<std::vector<RecordClash>> FindClashes(std::string_view model, const std::vector<std::string>& properties,
                                               size_t limit) const override;

 private:
  Result<const ModelDef*> Model(std::string_view name) const;
  Result<SlotId> Slot(const ModelDef& model, std::string_view property) const;

  const Store& store_;
};

}  // namespace kin
