#pragma once
// Running a command, and the built `kin` binary (KIN_BINARY), from a test: its
// output and exit status. Shared by the tool tests and the limits tests.

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <string>

namespace kin::testing {

struct Run {
  int status = -1;
  std::string out;  // standard output and standard error
};

// Runs `command` through /bin/sh: its standard output and exit status.
inline Run RunCommand(const std::string& command) {
  Run r;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `kin ARGS` through the shell; `out` holds standard output and standard error.
inline Run Kin(const std::string& args) { return RunCommand("'" + std::string(KIN_BINARY) + "' " + args + " 2>&1"); }

}  // namespace kin::testing
