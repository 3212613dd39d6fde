#include "tools/progress.h"

#include <unistd.h>

#include <cstdio>

namespace kin::tools {

Progress::Progress(std::string label) : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { Erase(); }

void Progress::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  bool last = total != 0 && done == total;
  if (drawn_ && !last && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  if (total != 0)
    std::fprintf(stderr, "\r%s: %llu / %llu records (%llu%%)\x1b[K", label_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 static_cast<unsigned long long>(done * 100 / total));
  else
    std::fprintf(stderr, "\r%s: %llu journal records replayed\x1b[K", label_.c_str(),
                 static_cast<unsigned long long>(done));
  std::fflush(stderr);
  drawn_ = true;
}

api::ProgressFn Progress::Fn() {
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

void Progress::Erase() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

int Fail(const std::string& command, const Status& status, bool usage_on_invalid_argument) {
  bool usage = usage_on_invalid_argument && !status.ok() && status.type() == ErrorType::kInvalidArgument;
  return Fail(command, status.ok() ? std::string("failed") : status.message(), usage ? kExitUsage : kExitFailure);
}

int Fail(const std::string& command, const std::string& message, int exit_code) {
  std::fprintf(stderr, "kin %s: %s\n", command.c_str(), message.c_str());
  return exit_code;
}

std::string Plural(uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

}  // namespace kin::tools
