#include "api/migration_plan_json.h"

namespace kin::api {

nlohmann::ordered_json MigrationPlanToJson(const MigrationPlan& plan) {
  using OJson = nlohmann::ordered_json;
  OJson steps = OJson::array();
  for (const MigrationStep& s : plan.steps) {
    OJson j = OJson::object();
    j["kind"] = StepKindName(s.kind);
    j["safety"] = StepSafetyName(s.safety);
    j["model"] = s.model;
    if (!s.property.empty()) j["property"] = s.property;
    if (!s.on.empty()) j["on"] = s.on;
    if (!s.from.empty() || !s.to.empty()) {
      j["from"] = s.from;
      j["to"] = s.to;
    }
    if (s.check != DataCheck::kNone) {
      j["check"] = DataCheckName(s.check);
      j["finding"] = s.finding;
    }
    j["description"] = s.description;
    steps.push_back(std::move(j));
  }
  return OJson{{"steps", std::move(steps)},
               {"safe", plan.Count(StepSafety::kSafe)},
               {"destructive", plan.Count(StepSafety::kDestructive)},
               {"impossible", plan.Count(StepSafety::kImpossible)}};
}

}  // namespace kin::api
