// `kin export` and `kin import`: the whole database as one JSON document (format in
// api/export.h), and a new database from one.
//
//   $ kin export --db shop --out shop.json
//   exported 12 records and 3 links of shop to shop.json
//   $ kin import --db shop2 --in shop.json
//   imported shop.json into shop2

#include <cstdio>
#include <iostream>
#include <iterator>

#include "persistence/journal.h"
#include "api/export.h"
#include "persistence/file_util.h"
#include "tools/commands.h"
#include "tools/output_file.h"
#include "tools/progress.h"

namespace kin::tools {

int RunExport(const ExportOptions& options) {
  Progress progress("export");
  api::OfflineOptions load;
  load.progress = progress.Fn();
  auto state = api::LoadOffline(options.db, load);
  if (!state.ok()) return Fail("export", state.status());
  auto json = api::ExportStoreJson(*state->store, progress.Fn(), state->schema_version);
  progress.Erase();
  if (!json.ok()) return Fail("export", json.status());
  if (!state->notice.empty()) std::fprintf(stderr, "kin export: note: the journal ends in a torn tail, not exported: %s",
                                           state->notice.c_str());
  Status written = WriteOutput(options.out, *json);
  if (!written.ok()) return Fail("export", written);
  if (options.out == "-") return kExitOk;
  uint64_t records = 0, links = 0;
  const Schema& schema = state->store->schema();
  for (const auto& m : schema.models()) records += state->store->Count(m.id);
  for (const auto& rel : schema.relations())
    if (rel.owns_links)
      state->store->Scan(rel.model, [&](const Record& r) {
        links += r.links(rel.local).size();
        return true;
      });
  std::printf("exported %llu records and %llu links of %s to %s\n", static_cast<unsigned long long>(records),
               static_cast<unsigned long long>(links), options.db.c_str(), options.out.c_str());
  return kExitOk;
}

int RunImport(const ImportOptions& options) {
  Options db_options;
  if (!persistence::ParseSyncPolicy(options.sync, &db_options.sync))
    return Fail("import", "--sync must be always, interval or none", kExitUsage);
  db_options.sync_interval_ms = options.sync_interval_ms;
  if (api::HoldsDatabase(options.db))
    return Fail("import", options.db + " already holds a database; import creates a new one");
  std::string json;
  if (options.in == "-") {
    json.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (!ReadTextFile(options.in, &json)) {
    return kExitUsage;
  }
  std::string schema_text;
  if (!options.schema.empty() && !ReadTextFile(options.schema, &schema_text)) return kExitUsage;
  MigrateOptions migrate;
  migrate.allow_destructive = options.allow_destructive;
  Progress progress("import");
  Status s = api::ImportJson(options.db, json, db_options, progress.Fn(), options.schema.empty() ? nullptr : &schema_text,
                             migrate);
  progress.Erase();
  if (!s.ok()) return Fail("import", s);
  std::printf("imported %s into %s\n", options.in == "-" ? "standard input" : options.in.c_str(),
               options.db.c_str());
  return kExitOk;
}

}  // namespace kin::tools
