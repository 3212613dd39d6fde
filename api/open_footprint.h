#pragma once
// OpenFootprint: what a directory held before Database::Open created anything in
// it, so that a failed open takes away exactly what it added and leaves no
// directory behind. Plain data; the functions touch the file system directly.

#include <string>

namespace kin::api {

struct OpenFootprint {
  std::string top_created;  // the highest directory the open creates; empty when `dir` exists
  bool schema = false, journal = false, snapshots = false;

  static OpenFootprint Of(const std::string& dir);
  // After a failed open that held the directory's lock: a database that was there
  // is left alone; one this open began to create is removed, with its directories.
  void Undo(const std::string& dir) const;
  // The directories this open created, as far as they are empty.
  void RemoveEmpty(const std::string& dir) const;
  // What CreateDirectories made before it failed.
  void RemoveCreated() const;
};

}  // namespace kin::api
