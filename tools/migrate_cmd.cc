// `kin migrate`: changes a closed database's schema (docs/schema-evolution.md).
//
//   $ kin migrate --db blog --schema blog-v2.json --dry-run
//   add property Author.nickname (text, nullable)
//   remove property Profile.bio (destructive: drops the value from every record)
//   2 steps: 1 safe, 1 destructive, 0 impossible
//   would be refused: The schema change is refused: remove property Profile.bio (...)
//   $ kin migrate --db blog --schema blog-v2.json --allow-destructive
//   ...the plan...
//   applied as record 42
//
// The plan goes to standard output (with --json, one JSON object); a refusal or
// failure to standard error. Exit 0 when the change was applied (or, in a dry run,
// may be), 1 when it is refused or fails, 2 for bad arguments.

#include <cstdio>

#include <nlohmann/json.hpp>

#include "api/database_access.h"
#include "kin/database.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace kin::tools {

int RunMigrate(const MigrateCmdOptions& options) {
  std::string schema_text;
  if (!ReadTextFile(options.schema, &schema_text)) return kExitUsage;
  MigrateOptions migrate;
  migrate.dry_run = options.dry_run;
  migrate.allow_destructive = options.allow_destructive;
  MigrationReport report;
  Status s = api::DatabaseAccess::Migrate(options.db, schema_text, migrate, Options(), &report);
  // A refused change still has its plan to show; any other failure has none.
  if (!s.ok() && report.refusal.empty()) return Fail("migrate", s);
  if (options.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::parse(report.plan_json);
    out["refused"] = report.refusal.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(report.refusal);
    out["applied"] = report.applied;
    if (report.applied) out["seq"] = report.seq;
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::fputs(report.plan.c_str(), stdout);
    if (report.applied) std::printf("applied as record %llu\n", static_cast<unsigned long long>(report.seq));
    else if (options.dry_run && report.refusal.empty()) std::printf("dry run: nothing changed\n");
  }
  std::fflush(stdout);
  if (!report.refusal.empty())
    return Fail("migrate", (options.dry_run ? "would be refused: " : "") + report.refusal);
  return kExitOk;
}

}  // namespace kin::tools
