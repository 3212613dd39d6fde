#include "api/open_footprint.h"

#include <filesystem>
#include <system_error>

#include "persistence/directory_lock.h"

namespace kin::api {

namespace fs = std::filesystem;

OpenFootprint OpenFootprint::Of(const std::string& dir) {
  std::error_code ec;
  OpenFootprint f;
  if (!fs::exists(dir, ec)) {
    fs::path p = fs::absolute(dir, ec).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    while (p.has_parent_path() && p.parent_path() != p && !fs::exists(p.parent_path(), ec)) p = p.parent_path();
    f.top_created = p.string();
    return f;
  }
  f.schema = fs::exists(dir + "/schema.json", ec);
  f.journal = fs::exists(dir + "/journal", ec);
  f.snapshots = fs::exists(dir + "/snapshots", ec);
  return f;
}

void OpenFootprint::Undo(const std::string& dir) const {
  if (schema) return;
  std::error_code ec;
  // Taken again, so nothing is removed under another process that opened it since.
  auto relock = persistence::DirectoryLock::Acquire(dir);
  if (!relock.ok()) return;
  if (!top_created.empty()) {
    fs::remove_all(top_created, ec);
    return;
  }
  fs::remove(dir + "/schema.json", ec);
  if (!journal) fs::remove_all(dir + "/journal", ec);
  if (!snapshots) fs::remove_all(dir + "/snapshots", ec);
}

void OpenFootprint::RemoveEmpty(const std::string& dir) const {
  if (top_created.empty()) return;
  std::error_code ec;
  const fs::path top(top_created);
  for (fs::path p = fs::absolute(dir, ec).lexically_normal(); !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    if (!p.has_filename()) continue;
    if (!fs::remove(p, ec) || p == top) break;  // remove() does not remove a directory that holds anything
  }
}

void OpenFootprint::RemoveCreated() const {
  if (top_created.empty()) return;
  std::error_code ec;
  fs::remove_all(top_created, ec);
}

}  // namespace kin::api
