// Kill a writer mid-flight (SPEC.md section 10): a child process commits numbered
// transactions under sync=always and reports each one through a pipe right after
// the call returns; the parent kills it with SIGKILL at a random moment, reopens the
// database and checks that every acknowledged call survived, that the state is a
// prefix of the calls (no holes, nothing half-applied) and that relations are
// symmetric. The child uses only kin and POSIX calls and ends with _exit().

#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;

std::string Name(char kind, int writer, int n) { return kind + std::to_string(writer) + "_" + std::to_string(n); }

// Call n of writer w: a store and its product in one transaction; every third call
// also creates an order linked to the last three products and replaces the product
// set of the order made three calls before (a many-to-many update).
std::vector<CallRequest> StepFor(int w, int n) {
  std::vector<CallRequest> calls = {
      {"createStores", Json::array({{{"id", Name('s', w, n)}, {"name", "store " + std::to_string(n)}}})},
      {"createProducts", Json::array({{{"id", Name('p', w, n)}, {"title", "t"}, {"store_id", Name('s', w, n)}}})}};
  if (n % 3 == 2) {
    calls.push_back({"createOrders", Json::array({{{"id", Name('o', w, n)},
                                                   {"products", {Name('p', w, n - 2), Name('p', w, n - 1), Name('p', w, n)}}}})});
    if (n >= 5) calls.push_back({"updateOrders", Json::array({{{"id", Name('o', w, n - 3)}, {"products", {Name('p', w, n)}}}})});
  }
  return calls;
}

// The products order `m` of a writer links to once that writer's calls 0..k committed.
std::set<std::string> ExpectedOrderProducts(int w, int m, int k) {
  if (m + 3 <= k) return {Name('p', w, m + 3)};
  return {Name('p', w, m - 2), Name('p', w, m - 1), Name('p', w, m)};
}

Options WriterOptions() {
  Options options;
  options.sync = SyncPolicy::kAlways;
  options.segment_bytes = 4096;  // rotations and
  options.snapshot_every = 40;   // snapshots happen while the writer may be killed
  return options;
}

// Reads exactly `size` bytes from `fd` (retrying when interrupted): 1 when it has
// them, 0 at the end of the stream, -1 on an error.
int ReadFull(int fd, void* out, size_t size) {
  char* at = static_cast<char*>(out);
  while (size > 0) {
    ssize_t n = ::read(fd, at, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? 0 : -1;
    at += n;
    size -= static_cast<size_t>(n);
  }
  return 1;
}

// The child: `writers` threads, each committing calls first[w], first[w]+1, ... and
// writing (w, n) to `ack_fd` after each call returns. With a `credit_fd`, the writers
// together commit only as many calls as the parent has granted: each 4-byte grant read
// from it adds to the allowance; its end (EOF) ends the child with status 0, a failed
// read with status 5. Never returns.
[[noreturn]] void RunWriters(const std::string& dir, const std::vector<int>& first, int ack_fd, int credit_fd = -1) {
  auto db = TryOpen(dir, WriterOptions());
  if (!db.ok()) _exit(2);
  std::mutex credit_mu;
  int64_t credit = 0;
  auto take_credit = [&] {
    if (credit_fd < 0) return;
    std::lock_guard<std::mutex> lock(credit_mu);
    while (credit == 0) {
      int32_t grant = 0;
      if (const int got = ReadFull(credit_fd, &grant, sizeof grant); got != 1) _exit(got == 0 ? 0 : 5);
      credit += grant;
    }
    --credit;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < static_cast<int>(first.size()); ++w) {
    threads.emplace_back([&, w] {
      for (int n = first[w]; n < first[w] + 100000; ++n) {
        take_credit();
        if (!db.value()->Transaction(StepFor(w, n)).ok()) _exit(3);
        int32_t ack[2] = {w, n};
        if (::write(ack_fd, ack, sizeof ack) != sizeof ack) _exit(4);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

// Reads acknowledgments from `fd` until `deadline` (or EOF when deadline is max()),
// or, with `until_first`, until at least one has arrived. Each pipe write is one
// whole 8-byte acknowledgment (atomic, under PIPE_BUF), and reads take multiples of 8.
void ReadAcks(int fd, std::chrono::steady_clock::time_point deadline, std::vector<int>* last_ack,
              bool until_first = false) {
  std::string buf;
  while (true) {
    int timeout = -1;
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout) <= 0) return;
    char chunk[512];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buf.append(chunk, static_cast<size_t>(n));
    while (buf.size() >= 8) {
      int32_t ack[2];
      std::memcpy(ack, buf.data(), 8);
      buf.erase(0, 8);
      REQUIRE(ack[1] > (*last_ack)[ack[0]]);  // each writer acknowledges in order
      (*last_ack)[ack[0]] = ack[1];
      if (until_first) until_first = false, deadline = std::chrono::steady_clock::now();
    }
  }
}

// Checks the reopened state and returns, per writer, the last call it holds.
std::vector<int> CheckRecovered(Database& db, int writers) {
  const Schema& schema = db.schema();
  const ModelId store = schema.FindModel("Store"), product = schema.FindModel("Product"),
                order = schema.FindModel("Order");
  const RelationId store_products = schema.model(store).FindRelation("products");
  const RelationId product_store = schema.model(product).FindRelation("store");
  const RelationId product_orders = schema.model(product).FindRelation("orders");
  const RelationId order_products = schema.model(order).FindRelation("products");
  auto view = db.Read();

  // Stores: per writer, exactly 0..k.
  std::vector<std::set<int>> stores(writers);
  view.ForEach(store, [&](const RecordRef& s) {
    std::string id(s.id());
    size_t sep = id.find('_');
    stores[std::stoi(id.substr(1, sep - 1))].insert(std::stoi(id.substr(sep + 1)));
    // Each store has exactly its own product, and the product points back.
    std::vector<std::string> products;
    s.ForEachRelated(store_products, [&](const RecordRef& p) {
      products.emplace_back(p.id());
      size_t back = 0;
      p.ForEachRelated(product_store, [&](const RecordRef& ps) { back += ps.id() == s.id(); });
      CHECK(back == 1);
    });
    CHECK(products == std::vector<std::string>{"p" + id.substr(1)});
    return true;
  });
  std::vector<int> last(writers, -1);
  for (int w = 0; w < writers; ++w) {
    last[w] = stores[w].empty() ? -1 : *stores[w].rbegin();
    INFO("writer " << w << " holds " << stores[w].size() << " stores up to " << last[w]);
    CHECK(static_cast<int>(stores[w].size()) == last[w] + 1);  // no holes
  }

  // Orders: exactly those of the prefix, with the expected products; both sides agree.
  size_t orders = 0, order_links = 0, product_links = 0;
  view.ForEach(order, [&](const RecordRef& o) {
    std::string id(o.id());
    size_t sep = id.find('_');
    int w = std::stoi(id.substr(1, sep - 1)), m = std::stoi(id.substr(sep + 1));
    ++orders;
    CHECK(m <= last[w]);
    std::set<std::string> linked;
    o.ForEachRelated(order_products, [&](const RecordRef& p) {
      linked.emplace(p.id());
      ++order_links;
      size_t back = 0;
      p.ForEachRelated(product_orders, [&](const RecordRef& po) { back += po.id() == o.id(); });
      CHECK(back == 1);
    });
    INFO("order " << id);
    CHECK(linked == ExpectedOrderProducts(w, m, last[w]));
    return true;
  });
  view.ForEach(product, [&](const RecordRef& p) {
    product_links += p.CountRelated(product_orders);
    return true;
  });
  CHECK(order_links == product_links);
  size_t expected_orders = 0;
  for (int w = 0; w < writers; ++w) expected_orders += static_cast<size_t>((last[w] + 1) / 3);
  CHECK(orders == expected_orders);
  return last;
}

// Runs `rounds` kill-and-recover rounds with `writers` concurrent writer threads.
// Runs `kin verify` on a database directory; returns its exit status and output.
int Verify(const std::string& dir, std::string* output) {
  FILE* pipe = ::popen(("'" + std::string(KIN_BINARY) + "' verify --db '" + dir + "' 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output->append(buf, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void KillRounds(int rounds, int writers, int max_delay_ms) {
  TempDir dir;
  const uint32_t seed = Catch::rngSeed() ? Catch::rngSeed() : std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::vector<int> next(writers, 0);  // per writer, the first call not in the database
  OpenDir(dir.path(), WriterOptions()).reset();
  size_t total_acks = 0;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunWriters(dir.path(), next, fds[1]);
    }
    ::close(fds[1]);
    std::vector<int> acked(writers);
    for (int w = 0; w < writers; ++w) acked[w] = next[w] - 1;
    const std::vector<int> before = acked;
    // The random delay starts at the child's first acknowledgment, so a slow start
    // (a loaded machine, recovery of a long journal) never leaves a round without one.
    ReadAcks(fds[0], std::chrono::steady_clock::time_point::max(), &acked, true);
    const int delay_ms = std::uniform_int_distribution<int>(0, max_delay_ms)(rng);
    ReadAcks(fds[0], std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms), &acked);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    ReadAcks(fds[0], std::chrono::steady_clock::time_point::max(), &acked);  // what it said before dying
    ::close(fds[0]);
    INFO("killed after " << delay_ms << " ms; child status " << status);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);

    auto db = OpenDir(dir.path(), WriterOptions());
    INFO("open notice: " << db->open_notice());
    const std::vector<int> last = CheckRecovered(*db, writers);
    for (int w = 0; w < writers; ++w) {
      INFO("writer " << w << ": acknowledged up to " << acked[w] << ", recovered up to " << last[w]);
      CHECK(last[w] >= acked[w]);      // every acknowledged call survived
      CHECK(last[w] <= acked[w] + 1);  // at most the one call in flight besides
      CHECK(last[w] >= before[w]);     // and nothing recovered earlier was lost
      total_acks += static_cast<size_t>(acked[w] - before[w]);
      next[w] = last[w] + 1;
    }
    db.reset();
    std::string report;
    int verified = Verify(dir.path(), &report);
    INFO("kin verify: " << report);
    CHECK(verified == 0);  // checksums, symmetry, references and unique keys all clean
  }
  CHECK(total_acks > 0);
}

}  // namespace

TEST_CASE("a writer killed at random moments under sync=always loses no acknowledged call", "[persistence]") {
  KillRounds(60, 1, 80);
}

TEST_CASE("concurrent writers killed under sync=always lose no acknowledged call", "[persistence]") {
  KillRounds(20, 3, 60);
}

// A writer process (RunWriters, one writer) that commits only the calls granted to
// it, a few at a time: a pacing thread hands out the budget the test adds, two
// calls every 2 ms, so the writes spread over the time the test's readers run while
// the database grows by the budget alone, on any machine. Its acknowledgments are
// drained after the first. Destroying it kills a writer that Finish did not end.
class PacedWriter {
 public:
  explicit PacedWriter(const std::string& dir) {
    int acks[2], credits[2];
    REQUIRE(::pipe(acks) == 0);
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, credits) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(acks[0]);
      ::close(credits[0]);
      RunWriters(dir, {0}, acks[1], credits[1]);
    }
    ::close(acks[1]);
    ::close(credits[1]);
    acks_ = acks[0];
    credits_ = credits[0];
    pacer_ = std::thread([this] {
      while (!stop_.load()) {
        const int32_t calls = std::min(budget_.load(), 2);
        // MSG_NOSIGNAL: a writer that is gone is reported by Finish, not by SIGPIPE.
        if (calls > 0 && ::send(credits_, &calls, sizeof calls, MSG_NOSIGNAL) == sizeof calls) budget_ -= calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  ~PacedWriter() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = 0;
    }
    StopGranting();
    Close();
  }

  void Grant(int calls) { budget_ += calls; }
  // Waits for the writer's first acknowledgment, then drains the rest in a thread.
  void WaitForFirstCall() {
    std::vector<int> acked{-1};
    ReadAcks(acks_, std::chrono::steady_clock::time_point::max(), &acked, true);
    REQUIRE(acked[0] >= 0);  // not a writer that ended before its first call
    drain_ = std::thread([this] {
      char buf[4096];
      for (ssize_t n; (n = ::read(acks_, buf, sizeof buf)) > 0;) acked_bytes_ += static_cast<size_t>(n);
    });
  }
  // The calls acknowledged so far after those WaitForFirstCall read.
  size_t later_calls() const { return acked_bytes_.load() / 8; }
  // Grants no more: the writer commits what it was granted, then ends. Returns its
  // exit status, or -1 when it did not end within two minutes (it is killed then).
  int Finish() {
    StopGranting();
    int status = 0;
    for (int waited_ms = 0; ::waitpid(pid_, &status, WNOHANG) == 0; waited_ms += 10) {
      if (waited_ms >= 120000) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        status = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = 0;
    Close();
    if (status == -1) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  void StopGranting() {
    stop_ = true;
    if (pacer_.joinable()) pacer_.join();
    if (credits_ >= 0) ::close(std::exchange(credits_, -1));
  }
  // Once the writer has ended, its acknowledgments end too.
  void Close() {
    if (drain_.joinable()) drain_.join();
    if (acks_ >= 0) ::close(std::exchange(acks_, -1));
  }

  pid_t pid_ = 0;
  int acks_ = -1, credits_ = -1;
  std::atomic<int> budget_{0};
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_bytes_{0};
  std::thread pacer_, drain_;
};

TEST_CASE("the read-only tools read a database another process is writing without reporting damage",
          "[persistence][tools]") {
  TempDir dir;
  OpenDir(dir.path(), WriterOptions()).reset();
  PacedWriter writer(dir.path());
  writer.Grant(1);
  writer.WaitForFirstCall();
  // Each round grants 150 calls, written while the round's tools read: segments
  // rotate every few records and a snapshot every 40 removes old files. Unpaced,
  // a fast writer grew the database past what a sanitizer build's tools load in
  // reasonable time (there the container checks its invariants on every insert).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const int rounds = 3;
#else
  const int rounds = 12;
#endif
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    writer.Grant(150);
    std::string report;
    CHECK(Verify(dir.path(), &report) == 0);
    INFO(report);
    CHECK(report.rfind("ok: ", 0) == 0);
    const std::string out = dir.Sub("export-" + std::to_string(round) + ".json");
    const std::string command = "'" + std::string(KIN_BINARY) + "' export --db '" + dir.path() + "' --out '" + out + "' > /dev/null";
    CHECK(std::system(command.c_str()) == 0);
    for (const char* journal : {"journal list", "journal dump --json"}) {
      INFO(journal);
      const std::string run = "'" + std::string(KIN_BINARY) + "' " + journal + " --db '" + dir.path() + "' > /dev/null";
      CHECK(std::system(run.c_str()) == 0);
    }
  }
  const size_t during_rounds = writer.later_calls();
  CHECK(writer.Finish() == 0);  // every granted call committed; the writer ended cleanly
  INFO("calls committed while the tools ran: " << during_rounds);
  CHECK(during_rounds > 0);
}
