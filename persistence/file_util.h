#pragma once
// Small durable-file helpers over POSIX: whole-file reads, atomic replacement
// (write temp, fsync, rename, fsync the directory). Errors are database_error
// values naming the path. Stateless; thread-safe.

#include <optional>
#include <string>

#include "core/status.h"

namespace kin::persistence {

// Creates the directory (and parents) if missing.
Status EnsureDirectory(const std::string& dir);
// The file's bytes, or nullopt when it does not exist.
Result<std::optional<std::string>> ReadWholeFile(const std::string& path);
// Replaces `path` atomically with `bytes`, durably.
Status WriteFileAtomically(const std::string& path, const std::string& bytes);
// fsync of a directory (makes renames and creations in it durable).
Status SyncDirectory(const std::string& dir);

}  // namespace kin::persistence
