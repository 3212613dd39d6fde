#pragma once
// Where a tool writes a whole output (`kin export --out PATH`). A regular file, or
// a path that does not exist yet, is replaced atomically: a temporary file next to
// it, fsynced, renamed over it (through a symbolic link, its target is replaced,
// and the link stays). Anything else that exists — a character device such as
// /dev/null, a FIFO, a socket — is opened and written straight through, never
// renamed over (a rename would replace the device node with a regular file), and
// "-" is standard output. Stateless; thread-safe.

#include <string>
#include <string_view>

#include "kin/status.h"

namespace kin::tools {

// Writes `bytes` to `path` as described above; database_error naming the path when
// it cannot (a directory is refused).
Status WriteOutput(const std::string& path, std::string_view bytes);

}  // namespace kin::tools
