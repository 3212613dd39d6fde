// Retrieve/<contestant>/<N>: one Product with its N Orders, random product ids.
// Every contestant looks the product up by id and visits the same N orders in the
// same order. kin_view and raw read each order's id and reference through
// references (a sink of string_views, no copies); kin_copy and sqlite materialize
// the same ProductRow; kin_json and sqlite_json produce the same JSON text
// (checked byte for byte when the dataset is built).
#include <benchmark/benchmark.h>

#include <string_view>
#include <utility>
#include <vector>

#include "benchmarks/fixture.h"

namespace kin::bench {
namespace {

using Sink = std::vector<std::pair<std::string_view, std::string_view>>;

const std::string& NextId(const std::vector<std::string>& ids, size_t& i) { return ids[i++ & (ids.size() - 1)]; }

void SetCounters(benchmark::State& state, size_t rows) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rows"] = benchmark::Counter(static_cast<double>(rows) / static_cast<double>(state.iterations()));
}

void RetrieveKinView(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  Sink sink;
  sink.reserve(64);
  size_t i = 0, rows = 0;
  for (auto _ : state) {
    sink.clear();
    ReadView view = f.db->Read();
    auto product = view.Find(f.product_model, NextId(ids, i));
    if (!product) state.SkipWithError("product not found");
    sink.emplace_back(product->id(), product->Get(f.product_title).as_text());
    product->ForEachRelated(f.product_orders, [&](RecordRef order) {
      sink.emplace_back(order.id(), order.Get(f.order_reference).as_text());
    });
    rows += sink.size() - 1;
    benchmark::DoNotOptimize(sink.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, rows);
}

void RetrieveRaw(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  Sink sink;
  sink.reserve(64);
  size_t i = 0, rows = 0;
  for (auto _ : state) {
    sink.clear();
    auto it = f.raw_products.find(std::string_view(NextId(ids, i)));
    if (it == f.raw_products.end()) state.SkipWithError("product not found");
    const RawRecord& product = it->second;
    sink.emplace_back(product.id, product.text);
    for (const RawRecord* order : product.links) sink.emplace_back(order->id, order->text);
    rows += sink.size() - 1;
    benchmark::DoNotOptimize(sink.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, rows);
}

void RetrieveKinCopy(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  size_t i = 0, rows = 0;
  for (auto _ : state) {
    ProductRow row;
    {
      ReadView view = f.db->Read();
      auto product = view.Find(f.product_model, NextId(ids, i));
      if (!product) state.SkipWithError("product not found");
      row.id = product->id();
      row.title = product->Get(f.product_title).as_text();
      product->ForEachRelated(f.product_orders, [&](RecordRef order) {
        row.orders.push_back(OrderRow{std::string(order.id()), std::string(order.Get(f.order_reference).as_text())});
      });
    }
    rows += row.orders.size();
    benchmark::DoNotOptimize(row);
  }
  SetCounters(state, rows);
}

void RetrieveSqlite(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  auto text = [](sqlite3_stmt* st, int col) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, col)),
                       static_cast<size_t>(sqlite3_column_bytes(st, col)));
  };
  size_t i = 0, rows = 0;
  for (auto _ : state) {
    const std::string& id = NextId(ids, i);
    ProductRow row;
    sqlite3_bind_text(f.sql_product, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    if (sqlite3_step(f.sql_product) != SQLITE_ROW) state.SkipWithError("product not found");
    row.id = text(f.sql_product, 0);
    row.title = text(f.sql_product, 1);
    sqlite3_reset(f.sql_product);
    sqlite3_bind_text(f.sql_orders, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    while (sqlite3_step(f.sql_orders) == SQLITE_ROW)
      row.orders.push_back(OrderRow{text(f.sql_orders, 0), text(f.sql_orders, 1)});
    sqlite3_reset(f.sql_orders);
    rows += row.orders.size();
    benchmark::DoNotOptimize(row);
  }
  SetCounters(state, rows);
}

// kin_json: a prepared retrieve (config parsed once), as sqlite_json's prepared
// statement; a new std::string per call on both sides.
void RetrieveKinJson(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  auto prepared = f.db->Model("Product").value().PrepareRetrieve({{"relations", {"orders"}}});
  if (!prepared.ok()) Die(prepared.status().ToString());
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string text;
    if (!prepared.value().Text(NextId(ids, i), &text).ok()) state.SkipWithError("retrieveProduct failed");
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// kin_json_call: the same text through CallText (method name and config resolved per call).
void RetrieveKinJsonCall(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  const Json config = {{"relations", {"orders"}}};
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto text = f.db->CallText("retrieveProduct", Json::array({NextId(ids, i), config}));
    if (!text.ok()) state.SkipWithError("retrieveProduct failed");
    bytes += text.value().size();
    benchmark::DoNotOptimize(text.value().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void RetrieveSqliteJson(benchmark::State& state) {
  RetrieveFixture& f = RetrieveFixture::Get();
  const auto& ids = f.sample_ids.at(static_cast<int>(state.range(0)));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& id = NextId(ids, i);
    sqlite3_bind_text(f.sql_json, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    if (sqlite3_step(f.sql_json) != SQLITE_ROW) state.SkipWithError("product not found");
    std::string text(reinterpret_cast<const char*>(sqlite3_column_text(f.sql_json, 0)),
                     static_cast<size_t>(sqlite3_column_bytes(f.sql_json, 0)));
    sqlite3_reset(f.sql_json);
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Memory/<contestant>: bytes in use per record and per link for the dataset above
// (malloc bytes in use for kin and raw, sqlite3_memory_used for SQLite).
void MemoryReport(benchmark::State& state, const MemoryUse RetrieveFixture::*which) {
  const MemoryUse& m = RetrieveFixture::Get().*which;
  for (auto _ : state) benchmark::DoNotOptimize(m);
  state.counters["bytes_per_record"] = static_cast<double>(m.records_bytes) / static_cast<double>(m.records);
  state.counters["bytes_per_link"] = static_cast<double>(m.links_bytes) / static_cast<double>(m.links);
}

void RetrieveArgs(benchmark::internal::Benchmark* b) { b->Arg(1)->Arg(10)->Arg(50)->MinTime(0.3); }

BENCHMARK(RetrieveKinView)->Name("Retrieve/kin_view")->Apply(RetrieveArgs);
BENCHMARK(RetrieveKinCopy)->Name("Retrieve/kin_copy")->Apply(RetrieveArgs);
BENCHMARK(RetrieveKinJson)->Name("Retrieve/kin_json")->Apply(RetrieveArgs);
BENCHMARK(RetrieveKinJsonCall)->Name("Retrieve/kin_json_call")->Apply(RetrieveArgs);
BENCHMARK(RetrieveSqlite)->Name("Retrieve/sqlite")->Apply(RetrieveArgs);
BENCHMARK(RetrieveSqliteJson)->Name("Retrieve/sqlite_json")->Apply(RetrieveArgs);
BENCHMARK(RetrieveRaw)->Name("Retrieve/raw")->Apply(RetrieveArgs);
BENCHMARK_CAPTURE(MemoryReport, kin, &RetrieveFixture::kin_memory)->Name("Memory/kin")->Iterations(1);
BENCHMARK_CAPTURE(MemoryReport, raw, &RetrieveFixture::raw_memory)->Name("Memory/raw")->Iterations(1);
BENCHMARK_CAPTURE(MemoryReport, sqlite, &RetrieveFixture::sqlite_memory)->Name("Memory/sqlite")->Iterations(1);

}  // namespace
}  // namespace kin::bench
