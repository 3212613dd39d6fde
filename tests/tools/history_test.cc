// Tests for the history a database keeps and the tools that use it (the durability
// section of docs/reference.md): restore to a record or to a time,
// retention of snapshots and journal, and backups of a database in use. The built
// `kin` binary runs against temporary databases made with `kin exec`; the kill
// tests stop `import`, `restore` and `backup` at random moments.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/commit_time.h"
#include "tests/tools/tool_test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace kin::testing;

// The commit time of each record the journal of `db` holds, by sequence number.
std::map<uint64_t, int64_t> CommitTimes(const std::string& db) {
  Run r = Kin("journal dump --json --db " + Quote(db));
  INFO(r.out);
  REQUIRE(r.status == 0);
  std::map<uint64_t, int64_t> times;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line);
    auto t = kin::ParseCommitTime(record["time"].get<std::string>());
    REQUIRE(t);
    times[record["seq"].get<uint64_t>()] = *t;
  }
  return times;
}

// Runs KIN_BINARY with `args`, standard output to /dev/null, and returns its pid.
pid_t Start(const std::vector<std::string>& args) {
  std::fflush(nullptr);  // nothing buffered is written twice
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(KIN_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!std::freopen("/dev/null", "w", stdout)) _exit(100);
    ::execv(KIN_BINARY, argv.data());
    _exit(101);
  }
  return pid;
}

}  // namespace

TEST_CASE("kin import, restore and backup killed at any moment leave nothing that a retry refuses", "[tools]") {
  TempDir tmp;
  const std::string db = tmp / "db";
  std::string records;
  // Enough for the tools to take a while; fewer where the sanitizer build checks
  // every container's invariants on each insert.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const int stores = 2000;
#else
  const int stores = 20000;
#endif
  for (int i = 0; i < stores; ++i)
    records += std::string(i ? "," : "") + R"({"id": "s)" + std::to_string(i) + R"(", "name": "store"})";
  Exec(tmp, db, Fixture("seed"), {R"({"call": "createStores", "args": [[)" + records + "]]}"});
  REQUIRE(Kin("snapshot --db " + Quote(db)).status == 0);
  Exec(tmp, db, Fixture("seed"), {R"({"call": "createStores", "args": [{"id": "last"}]})"});
  const std::string snapshot = db + "/snapshots/snapshot-00000000000000000001.snap";
  const std::string exported = Export(tmp, db);
  WriteFile(tmp / "export.json", exported);
  std::mt19937 rng(Catch::rngSeed());
  for (int round = 0; round < 9; ++round) {
    const char* tool = round % 3 == 0 ? "import" : round % 3 == 1 ? "restore" : "backup";
    const std::string target = tmp / ("copy" + std::to_string(round));
    INFO(tool << " round " << round);
    const std::vector<std::string> args =
        round % 3 == 0   ? std::vector<std::string>{"import", "--db", target, "--in", tmp / "export.json"}
        : round % 3 == 1 ? std::vector<std::string>{"restore", snapshot, "--db", target}
                         : std::vector<std::string>{"backup", "--db", db, "--out", target};
    const pid_t pid = Start(args);
    // Whenever the kill lands (before, during or after the work), the outcome
    // checked below is the same.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (fs::exists(target)) {
      CHECK(Kin("verify --db " + Quote(target)).status == 0);  // complete, or not there at all
    } else {
      std::string command;
      for (const auto& a : args) command += Quote(a) + " ";
      Run retry = Kin(command);
      INFO(retry.out);
      REQUIRE(retry.status == 0);
    }
    CHECK(Export(tmp, target) == exported);
  }
}

TEST_CASE("kin restore --to SEQ yields exactly the state after record SEQ", "[tools]") {
  TempDir tmp;
  const std::string db = tmp / "db";
  const std::string seed = Fixture("seed");
  Exec(tmp, db, seed, SeedLines(0, 4));  // records 1-4
  REQUIRE(Kin("snapshot --db " + Quote(db)).status == 0);
  std::string snapshot;
  for (const auto& e : fs::directory_iterator(db + "/snapshots")) snapshot = e.path().string();
  REQUIRE_THAT(snapshot, Catch::Matchers::EndsWith("snapshot-00000000000000000004.snap"));
  Exec(tmp, db, seed, SeedLines(4, 6));  // records 5-6
  const std::string at_6 = Export(tmp, db);
  Exec(tmp, db, seed, SeedLines(6, kSeedScript.size()));  // records 7-8
  const std::string at_8 = Export(tmp, db);
  REQUIRE(at_6 != at_8);

  Run r = Kin("restore " + Quote(snapshot) + " --db " + Quote(tmp / "at6") + " --to 6");
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Matchers::Contains("at record 6, committed ") &&
                        Catch::Matchers::Contains("(snapshot at 4, 2 journal records replayed"));
  CHECK(Export(tmp, tmp / "at6") == at_6);
  REQUIRE(Kin("restore " + Quote(snapshot) + " --db " + Quote(tmp / "all")).status == 0);
  CHECK(Export(tmp, tmp / "all") == at_8);
  // The restored database goes on from record 7.
  Exec(tmp, tmp / "at6", seed, {R"({"call": "createStores", "args": [{"id": "s9"}]})"});
  const std::string dumped = Kin("journal dump --db " + Quote(tmp / "at6")).out;
  CHECK_THAT(dumped, Catch::Matchers::StartsWith("#7 ") && Catch::Matchers::Contains("Z createStores\n#7 put Store s9 "));
}


TEST_CASE("kin restore refuses to overwrite a database and to go past the journal", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  REQUIRE(Kin("snapshot --db " + Quote(db)).status == 0);
  const std::string snapshot = db + "/snapshots/" + "snapshot-00000000000000000008.snap";
  Run over = Kin("restore " + Quote(snapshot) + " --db " + Quote(db));
  CHECK(over.status == 1);
  CHECK_THAT(over.out, Catch::Matchers::Contains("already holds a database"));
  Run past = Kin("restore " + Quote(snapshot) + " --db " + Quote(tmp / "new") + " --to 9");
  CHECK(past.status == 1);
  CHECK_THAT(past.out, Catch::Matchers::Contains("there is no record 9"));
  CHECK_FALSE(fs::exists(tmp / "new"));
}


TEST_CASE("kin restore --to-time yields the state after the last call committed at or before that time", "[tools]") {
  TempDir tmp;
  const std::string db = tmp / "db";
  const std::string seed = Fixture("seed");
  // One call per run of kin exec: records 1 to 8, with a snapshot after record 4.
  for (size_t i = 0; i < kSeedScript.size(); ++i) {
    Exec(tmp, db, seed, SeedLines(i, i + 1));
    if (i == 3) REQUIRE(Kin("snapshot --db " + Quote(db)).status == 0);
  }
  std::map<uint64_t, int64_t> times = CommitTimes(db);
  REQUIRE(times.size() == 8);
  REQUIRE(times.begin()->first == 1);
  for (auto it = std::next(times.begin()); it != times.end(); ++it) CHECK(std::prev(it)->second <= it->second);
  auto restore_at = [&](const std::string& name, int64_t time) {
    Run r = Kin("restore --from-db " + Quote(db) + " --to-time " + kin::FormatCommitTime(time) + " --db " +
                Quote(tmp / name));
    INFO(r.out);
    REQUIRE(r.status == 0);
    return r.out;
  };
  auto restore_to = [&](const std::string& name, uint64_t seq) {
    REQUIRE(Kin("restore --from-db " + Quote(db) + " --to " + std::to_string(seq) + " --db " + Quote(tmp / name))
                .status == 0);
    return Export(tmp, tmp / name);
  };
  for (uint64_t seq : {2, 4, 6, 8}) {
    INFO("record " << seq);
    const std::string name = "t" + std::to_string(seq);
    // At the exact commit time, and just before the next call's.
    CHECK_THAT(restore_at(name, times[seq]), Catch::Matchers::Contains("at record " + std::to_string(seq)));
    CHECK(Export(tmp, tmp / name) == restore_to("s" + std::to_string(seq), seq));
    if (seq < 8 && times[seq + 1] > times[seq]) {
      restore_at(name + "b", times[seq + 1] - 1);
      CHECK(Export(tmp, tmp / (name + "b")) == Export(tmp, tmp / name));
    }
  }
  // Record 6 is after the snapshot: the restore starts from it.
  CHECK_THAT(restore_at("after-snapshot", times[6]), Catch::Matchers::Contains("(snapshot at 4, 2 journal records"));
  // Before the first call: the empty database.
  CHECK_THAT(restore_at("empty", times[1] - 1), Catch::Matchers::Contains("at record 0"));
  CHECK(Export(tmp, tmp / "empty") == restore_to("s0", 0));
  // Not a time: a usage error, and nothing is made.
  Run bad = Kin("restore --from-db " + Quote(db) + " --to-time yesterday --db " + Quote(tmp / "bad"));
  CHECK(bad.status == 2);
  CHECK_THAT(bad.out, Catch::Matchers::Contains("--to-time yesterday is not a time"));
  CHECK_FALSE(fs::exists(tmp / "bad"));
  Run both = Kin("restore --from-db " + Quote(db) + " --to 3 --to-time 2026-01-01 --db " + Quote(tmp / "both"));
  CHECK(both.status == 2);
  CHECK_FALSE(fs::exists(tmp / "both"));
}

TEST_CASE("snapshots keep the newest N and the journal since the oldest, so a restore reaches back that far",
          "[tools]") {
  TempDir tmp;
  const std::string db = tmp / "db";
  const std::string seed = Fixture("seed");
  // Snapshots after records 2, 4 and 6 with --keep-snapshots 2: those at 4 and 6 stay.
  for (size_t i = 0; i < kSeedScript.size(); ++i) {
    Exec(tmp, db, seed, SeedLines(i, i + 1));
    if (i % 2 == 1 && i < 6) REQUIRE(Kin("snapshot --keep-snapshots 2 --db " + Quote(db)).status == 0);
  }
  std::vector<std::string> snapshots;
  for (const auto& e : fs::directory_iterator(db + "/snapshots")) snapshots.push_back(e.path().filename().string());
  std::sort(snapshots.begin(), snapshots.end());
  CHECK(snapshots == std::vector<std::string>{"snapshot-00000000000000000004.snap", "snapshot-00000000000000000006.snap"});
  // The journal holds records 3 to 8: from the segment that holds record 4, the
  // oldest kept snapshot's last record.
  std::map<uint64_t, int64_t> times = CommitTimes(db);
  CHECK(times.begin()->first == 3);
  CHECK(times.rbegin()->first == 8);
  // Its commit time dates the snapshot: a restore to that time starts from it.
  Run at4 = Kin("restore --from-db " + Quote(db) + " --to-time " + kin::FormatCommitTime(times[4]) + " --db " +
                Quote(tmp / "at4"));
  INFO(at4.out);
  CHECK(at4.status == 0);
  CHECK_THAT(at4.out, Catch::Matchers::Contains("at record 4 (snapshot at 4, 0 journal records"));
  Run at5 = Kin("restore --from-db " + Quote(db) + " --to 5 --db " + Quote(tmp / "at5"));
  INFO(at5.out);
  CHECK(at5.status == 0);
  CHECK_THAT(at5.out, Catch::Matchers::Contains("(snapshot at 4, 1 journal record"));
  // Before the oldest kept snapshot: refused, naming what is kept.
  Run at3 = Kin("restore --from-db " + Quote(db) + " --to 3 --db " + Quote(tmp / "at3"));
  CHECK(at3.status == 1);
  CHECK_THAT(at3.out, Catch::Matchers::Contains("No snapshot of") && Catch::Matchers::Contains("the oldest kept is at 4"));
  CHECK_FALSE(fs::exists(tmp / "at3"));
  Run at3_time = Kin("restore --from-db " + Quote(db) + " --to-time " + kin::FormatCommitTime(times[3]) + " --db " +
                     Quote(tmp / "at3"));
  CHECK(at3_time.status == 1);
  CHECK_THAT(at3_time.out, Catch::Matchers::Contains("No snapshot of"));
  // compact keeps only its own snapshot, and no journal before it.
  REQUIRE(Kin("compact --db " + Quote(db)).status == 0);
  CHECK(CommitTimes(db).empty());
  snapshots.clear();
  for (const auto& e : fs::directory_iterator(db + "/snapshots")) snapshots.push_back(e.path().filename().string());
  CHECK(snapshots == std::vector<std::string>{"snapshot-00000000000000000008.snap"});
  CHECK(Kin("snapshot --keep-snapshots 0 --db " + Quote(db)).status == 2);
}

TEST_CASE("kin backup copies a database that another process is writing, consistently", "[tools]") {
  TempDir tmp;
  const std::string db = tmp / "db";
  const std::string seed = Fixture("seed");
  Exec(tmp, db, seed, {R"({"call": "createStores", "args": [{"id": "s0"}]})"});
  // A writer in another process: stores s1, s2, ... one call each, fed through a FIFO
  // so that it runs until the test is done.
  const std::string fifo = tmp / "requests";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const pid_t writer = Start({"exec", "--db", db, "--sync", "none", fifo});
  FILE* requests = std::fopen(fifo.c_str(), "w");
  REQUIRE(requests != nullptr);
  int written = 0;
  auto write_some = [&](int n) {
    for (int i = 0; i < n; ++i, ++written)
      std::fprintf(requests, "{\"call\": \"createStores\", \"args\": [{\"id\": \"w%05d\"}]}\n", written);
    std::fflush(requests);
  };
  for (int round = 0; round < 3; ++round) {
    write_some(300);
    const std::string out = tmp / ("backup" + std::to_string(round));
    Run r = Kin("backup --db " + Quote(db) + " --out " + Quote(out));
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(Kin("verify --db " + Quote(out)).status == 0);
    // A prefix of the writer's calls: s0, then w00000 ... wNNNNN with none missing.
    Run listed = Kin("export --db " + Quote(out));
    REQUIRE(listed.status == 0);
    const auto doc = nlohmann::json::parse(listed.out);
    std::vector<std::string> ids;
    for (const auto& m : doc["models"])
      if (m["name"] == "Store")
        for (const auto& rec : m["records"]) ids.push_back(rec["id"]);
    REQUIRE_FALSE(ids.empty());
    CHECK(ids.front() == "s0");
    for (size_t i = 1; i < ids.size(); ++i) {
      std::string expected = std::to_string(i - 1);
      expected = "w" + std::string(expected.size() < 5 ? 5 - expected.size() : 0, '0') + expected;
      CHECK(ids[i] == expected);
    }
  }
  std::fclose(requests);
  int status = 0;
  REQUIRE(::waitpid(writer, &status, 0) == writer);
  CHECK(WIFEXITED(status));
  // A backup of the finished database holds every call, and a second one is refused.
  REQUIRE(Kin("backup --db " + Quote(db) + " --out " + Quote(tmp / "final")).status == 0);
  CHECK(Export(tmp, tmp / "final") == Export(tmp, db));
  Run again = Kin("backup --db " + Quote(db) + " --out " + Quote(tmp / "final"));
  CHECK(again.status == 1);
  CHECK_THAT(again.out, Catch::Matchers::Contains("already holds a database"));
}
