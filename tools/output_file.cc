#include "tools/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "persistence/file_util.h"

namespace kin::tools {

namespace {

Status Failed(const std::string& what, const std::string& path) {
  return Status::DatabaseError("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Writes all of `bytes` to `fd`.
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status WriteOutput(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
      return Status::DatabaseError("cannot write standard output");
    return Status::Ok();
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Failed("inspect", path);
    return persistence::WriteFileAtomically(path, std::string(bytes));  // a new file
  }
  if (S_ISDIR(st.st_mode)) return Status::DatabaseError("cannot write " + path + ": it is a directory");
  if (S_ISREG(st.st_mode)) {
    std::error_code ec;
    const std::string target = std::filesystem::canonical(path, ec).string();  // a link's target
    if (ec) return Status::DatabaseError("cannot resolve " + path + ": " + ec.message());
    return persistence::WriteFileAtomically(target, std::string(bytes));
  }
  // A device, a FIFO or a socket: written as it is, never replaced.
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Failed("open", path);
  const bool written = WriteAll(fd, bytes);
  if (!written) {
    Status failed = Failed("write", path);
    ::close(fd);
    return failed;
  }
  if (::close(fd) != 0) return Failed("close", path);
  return Status::Ok();
}

}  // namespace kin::tools
