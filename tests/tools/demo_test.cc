// Tests for `kin demo`: the built binary runs the whole walkthrough, exits 0, prints
// the calls and results a reader relies on, and removes its temporary database.

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

namespace {

// Runs `command` through the shell; returns its standard output and exit status.
std::string RunCommand(const std::string& command, int* exit_status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

TEST_CASE("kin demo walks through every relationship operation") {
  int status = -1;
  const std::string out = RunCommand(std::string("'") + KIN_BINARY + "' demo", &status);
  {
    INFO(out);
    REQUIRE(status == 0);
  }

  using Catch::Matchers::Contains;
  // One-to-one: set from the hasOne side on update detaches the previous email.
  CHECK_THAT(out, Contains(R"(call:   updateUsers({"id":"u1","email":"e2"}))"));
  CHECK_THAT(out, Contains(R"([{"id":"e1","address":"ada@example.com","user_id":null},)"
                           R"({"id":"e2","address":"alan@example.com","user_id":"u1"}])"));
  // The errors, with their types and messages.
  CHECK_THAT(out, Contains("error:  invalid_data: Email with user_id: u1, already exists."));
  CHECK_THAT(out, Contains("error:  not_found: You tried to set relationship user_id: u9, but such entity does not exist"));
  CHECK_THAT(out, Contains("error:  not_found: You tried to set relationship product_id: p9, but such entity does not exist"));
  // Many-to-many: an array on update replaces the set.
  CHECK_THAT(out, Contains(R"(call:   updateOrders({"id":"o1","products":["p2","p3"]}))"));
  CHECK_THAT(out, Contains(R"({"id":"o1","reference":"#1001","products":[{"id":"p2","title":"Mug","store_id":"s2"},)"
                           R"({"id":"p3","title":"Poster","store_id":"s2"}]})"));
  CHECK_THAT(out, Contains(R"({"id":"o2","reference":"#1002","products":[{"id":"p4","title":"Cap","store_id":null}]})"));
  // Pivot entity: the link's columns under $pivot, metadata merged on update.
  CHECK_THAT(out, Contains(R"("$pivot":{"id":"ci1","quantity":3,"metadata":{"gift":true},"cart_id":"c1","item_id":"i1"})"));
  CHECK_THAT(out, Contains(R"("$pivot":{"id":"ci1","quantity":5,"metadata":{"gift":true,"note":"wrap it"})"));
  CHECK_THAT(out, Contains(R"("quantity":1,"metadata":null,"cart_id":"c1","item_id":"i2"})"));
  // Readable: timestamps left out, nothing unexpected, a closing summary.
  CHECK_THAT(out, !Contains(R"("created_at")") && !Contains(R"("updated_at")") && !Contains(R"("deleted_at")"));
  CHECK_THAT(out, !Contains("UNEXPECTED"));
  CHECK_THAT(out, Contains("Done: all"));

  // The temporary database is removed at the end.
  std::smatch m;
  const std::regex dir_line("Database directory: (\\S+)");
  REQUIRE(std::regex_search(out, m, dir_line));
  CHECK_THAT(m[1].str(), Catch::Matchers::StartsWith("/tmp/kin-demo-"));
  CHECK_FALSE(std::filesystem::exists(m[1].str()));
}
