// Query/<shape>/<contestant>/<records>: one list (or listAndCount) of Products over
// a dataset of 10k, 100k or 1M products (benchmarks/query_fixture.h describes the
// data and the shapes). Each iteration takes the next of 4096 pre-generated
// parameters (a store, a code, a lower price bound, ten ids, an order reference or
// note, a category), so no contestant answers one query over and over; order_take
// has no parameter and repeats itself on every side.
//
//   kin_view     ReadView::List(Product, filters, config): RecordRefs, no JSON; reads
//                id, title, price and store_id of every row into a reused sink of
//                views (as Retrieve/kin_view); count calls ReadView::ListAndCount.
//                Its `examined` counter: the records the plan of the first sample
//                examined (what report.py checks a scan's linear growth by).
//   kin_json     Database::CallText("listProducts" / "listAndCountProducts", args):
//                the JSON text in a new std::string. The method name is resolved
//                and the filters parsed on every call.
//   sqlite       the equivalent SELECT, prepared once: the same rows, id, title,
//                price and store_id copied into QueryRow structs (a reused vector).
//                count runs a second prepared SELECT count(*).
//   sqlite_json  one prepared SELECT whose json_object/json_group_array build the
//                same text as kin_json (checked byte for byte when the dataset is
//                built), copied into a new std::string: SQLite writes the JSON
//                itself, as kin does, instead of paying a round trip per column
//                into C++ code.
//   raw          relation_filter_unindexed only: the same data as plain structs
//                in vectors (QueryFixture::raw_orders), scanned by a loop that
//                compares each order's note: how a scan with no database grows
//                from 10k to 1M on this machine's caches.
//
// Fairness notes:
//   - Each side's parameters are prepared before timing: SQLite's are strings and
//     integers to bind, kin's the filter documents (nlohmann::ordered_json) and the
//     [filters, config] arrays that the calls take; building them is the caller's.
//   - No record is soft-deleted; SQLite's queries leave out `deleted_at IS NULL`
//     while kin checks liveness on every candidate (an advantage to SQLite).
//   - SQLite has an index for each kin index, on products(store_id) (kin follows
//     its belongsTo adjacency list) and on product_orders(order_id, product_id) (kin
//     follows the manyToMany links), and ANALYZE statistics; every statement's plan
//     uses them (relation_filter_unindexed scans orders on both sides).
//   - count: listAndCount({category: C}, {take: 10}) where every category holds
//     exactly 100 products: 100 matches counted, 10 rows output. SQLite counts them
//     from its category index alone (covering, no row read); kin reads each candidate
//     record to check the filter and liveness. It shows what counting costs apart
//     from output: the page is 10 rows whatever the count.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/fixture.h"
#include "benchmarks/query_fixture.h"

namespace kin::bench {
namespace {

struct ViewRow {
  std::string_view id, title;
  int64_t price;
  std::string_view store_id;
};

const QuerySample& Next(const ShapeData& d, size_t& i) { return d.samples[i++ & (d.samples.size() - 1)]; }

// The dataset and the shape, or nullptr (the benchmark skipped) when kin and SQLite
// disagreed on it.
ShapeData* Prepare(benchmark::State& state, Shape shape, QueryFixture** fixture) {
  QueryFixture& f = QueryFixture::Get(static_cast<int>(state.range(0)));
  *fixture = &f;
  ShapeData& d = f.shape(shape);
  if (!d.check.empty()) {
    state.SkipWithError(("kin and SQLite disagree: " + d.check).c_str());
    return nullptr;
  }
  return &d;
}

void SetCounters(benchmark::State& state, size_t rows, size_t counted) {
  const double n = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rows"] = benchmark::Counter(static_cast<double>(rows) / n);
  if (counted) state.counters["counted"] = benchmark::Counter(static_cast<double>(counted) / n);
}

void KinView(benchmark::State& state, Shape shape) {
  QueryFixture* f = nullptr;
  ShapeData* d = Prepare(state, shape, &f);
  if (!d) return;
  std::vector<ViewRow> sink;
  sink.reserve(64);
  size_t i = 0, rows = 0, counted = 0;
  for (auto _ : state) {
    sink.clear();
    const QuerySample& q = Next(*d, i);
    ReadView view = f->db->Read();
    std::vector<RecordRef> rows_here;
    if (d->count) {
      auto page = view.ListAndCount(f->product_model, q.filter, d->config);
      if (!page.ok()) {
        state.SkipWithError(page.status().ToString().c_str());
        break;
      }
      counted += page.value().count;
      rows_here = std::move(page.value().rows);
    } else {
      auto page = view.List(f->product_model, q.filter, d->config);
      if (!page.ok()) {
        state.SkipWithError(page.status().ToString().c_str());
        break;
      }
      rows_here = std::move(page.value());
    }
    for (const RecordRef& r : rows_here)
      sink.push_back({r.id(), r.Get(f->title).as_text(), r.Get(f->price).as_int(), r.Get(f->store_id).as_text()});
    rows += sink.size();
    benchmark::DoNotOptimize(sink.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, rows, counted);
  state.counters["examined"] = static_cast<double>(d->examined);  // by the plan of the first sample
}

// relation_filter_unindexed over the raw baseline: every order's note compared,
// the products of the matching orders gathered, sorted by id without repeats, and
// read into the same sink as kin_view.
void Raw(benchmark::State& state, Shape shape) {
  QueryFixture* f = nullptr;
  ShapeData* d = Prepare(state, shape, &f);
  if (!d) return;
  std::vector<ViewRow> sink;
  sink.reserve(64);
  std::vector<const RawProduct*> found;
  size_t i = 0, rows = 0;
  for (auto _ : state) {
    sink.clear();
    found.clear();
    const std::string& note = Next(*d, i).texts[0];
    for (const RawOrder& o : f->raw_orders)
      if (o.note == note) found.insert(found.end(), o.products.begin(), o.products.end());
    std::sort(found.begin(), found.end(), [](auto* a, auto* b) { return a->id < b->id; });
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (const RawProduct* p : found) sink.push_back({p->id, p->title, p->price, p->store_id});
    rows += sink.size();
    benchmark::DoNotOptimize(sink.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, rows, 0);
}

void KinJson(benchmark::State& state, Shape shape) {
  QueryFixture* f = nullptr;
  ShapeData* d = Prepare(state, shape, &f);
  if (!d) return;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto text = f->db->CallText(d->method, Next(*d, i).args);
    if (!text.ok()) {
      state.SkipWithError(text.status().ToString().c_str());
      break;
    }
    bytes += text.value().size();
    benchmark::DoNotOptimize(text.value().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

std::string Text(sqlite3_stmt* st, int col) {
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, col)),
                     static_cast<size_t>(sqlite3_column_bytes(st, col)));
}

void Sqlite(benchmark::State& state, Shape shape) {
  QueryFixture* f = nullptr;
  ShapeData* d = Prepare(state, shape, &f);
  if (!d) return;
  std::vector<QueryRow> out;
  out.reserve(64);
  size_t i = 0, rows = 0, counted = 0;
  for (auto _ : state) {
    out.clear();
    const QuerySample& q = Next(*d, i);
    BindSample(d->rows, q);
    while (sqlite3_step(d->rows) == SQLITE_ROW)
      out.push_back(QueryRow{Text(d->rows, 0), Text(d->rows, 1), sqlite3_column_int64(d->rows, 2), Text(d->rows, 3)});
    sqlite3_reset(d->rows);
    if (d->count) {
      BindSample(d->count_rows, q);
      if (sqlite3_step(d->count_rows) != SQLITE_ROW) {
        state.SkipWithError("count returned no row");
        break;
      }
      counted += static_cast<size_t>(sqlite3_column_int64(d->count_rows, 0));
      sqlite3_reset(d->count_rows);
    }
    rows += out.size();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, rows, counted);
}

void SqliteJson(benchmark::State& state, Shape shape) {
  QueryFixture* f = nullptr;
  ShapeData* d = Prepare(state, shape, &f);
  if (!d) return;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    BindSample(d->json, Next(*d, i));
    if (sqlite3_step(d->json) != SQLITE_ROW) {
      state.SkipWithError("no row");
      break;
    }
    std::string text = Text(d->json, 0);
    sqlite3_reset(d->json);
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Every shape by every contestant at every size; sizes innermost, so the 1M dataset
// is built by the first shape's first contestant and reused by all that follow.
// Each runs kRepeats times and report.py takes the median: a call at 1M is a few
// dependent memory reads, and a moment of a busy host's memory moves one run of it
// by a third.
constexpr int kRepeats = 3;
int RegisterQueryBenchmarks() {
  using Fn = void (*)(benchmark::State&, Shape);
  const std::pair<const char*, Fn> contestants[] = {
      {"kin_view", KinView}, {"kin_json", KinJson}, {"sqlite", Sqlite}, {"sqlite_json", SqliteJson}, {"raw", Raw}};
  for (int k = 0; k < kShapeCount; ++k) {
    const Shape shape = static_cast<Shape>(k);
    for (const auto& [name, fn] : contestants) {
      if (fn == Raw && shape != Shape::kRelationFilterUnindexed) continue;  // the scan's baseline only
      const std::string full = std::string("Query/") + ShapeName(shape) + "/" + name;
      benchmark::RegisterBenchmark(full.c_str(), fn, shape)
          ->Arg(10000)
          ->Arg(100000)
          ->Arg(1000000)
          ->MinTime(0.3)
          ->Repetitions(kRepeats)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}

[[maybe_unused]] const int registered = RegisterQueryBenchmarks();

}  // namespace
}  // namespace kin::bench
