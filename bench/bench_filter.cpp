// SPDX-License-Identifier: Apache-2.0
// Filter benchmarks (issue: filters), on the same generated JSONL corpus as T1:
//   F/parse_all              the full typed parse alone (every field): the baseline
//   F/delete/full_parse      `verb == "delete"` evaluated after a full parse (no help)
//   F/delete/projection      ... parsing only the fields the filter reads
//   F/delete/prefilter       ... projection + the raw-byte prefilter (what `filter --count` does)
//   F/match_all/full_parse   a filter every event satisfies, after a full parse: its cost over
//                            F/parse_all is the evaluation overhead
// Each benchmark checks, before timing, that its match count equals the full-parse count.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <k8saudit/k8saudit.h>

#include "bench_registry.h"

namespace k8saudit::bench {
namespace {

struct run_counts {
  std::uint64_t events{0};
  std::uint64_t matched{0};
};

run_counts run(std::string_view jsonl, const filter* f, field_mask fields, bool use_prefilter) {
  reader_options opt;
  opt.fields = fields;
  opt.format = input_format::jsonl;
  if (f != nullptr && use_prefilter) opt.prefilter = &f->required_literals();
  reader r(opt);
  r.open_memory(jsonl, "bench");
  run_counts c;
  batch b;
  std::vector<std::uint32_t> selection;
  while (r.next(b)) {
    c.events += b.events.size();
    if (f == nullptr) {
      c.matched += b.events.size();
      continue;
    }
    f->select(b.events, selection);
    c.matched += selection.size();
  }
  return c;
}

void bm_filter(benchmark::State& state, const char* expression, int mode) {
  const std::string& corpus = bench_corpus();
  auto compiled = filter::compile(expression[0] == '\0' ? "true" : expression);
  if (!compiled) {
    state.SkipWithError(compiled.error().render().c_str());
    return;
  }
  const filter* f = expression[0] == '\0' ? nullptr : &*compiled;
  const field_mask fields = (mode == 0 || f == nullptr) ? field_mask::all() : f->fields();
  const bool prefilter = mode == 2;
  const run_counts reference = run(corpus, f, field_mask::all(), false);
  const run_counts first = run(corpus, f, fields, prefilter);
  if (first.matched != reference.matched) {
    state.SkipWithError("the match count differs from the full parse's");
    return;
  }
  {
    const collect_scope counted;
    for (auto _ : state) {
      run_counts c = run(corpus, f, fields, prefilter);
      benchmark::DoNotOptimize(c);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(corpus.size()));
  state.counters["matched"] = static_cast<double>(reference.matched);
  state.counters["match_%"] = 100.0 * static_cast<double>(reference.matched) / static_cast<double>(reference.events);
}

const char* const delete_filter = R"(verb == "delete")";
const char* const match_all_filter = R"(isnotempty(auditID) or verb != "delete")";

const bool registered = [] {
  benchmark::RegisterBenchmark("F/parse_all", bm_filter, "", 0)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("F/delete/full_parse", bm_filter, delete_filter, 0)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("F/delete/projection", bm_filter, delete_filter, 1)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("F/delete/prefilter", bm_filter, delete_filter, 2)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("F/match_all/full_parse", bm_filter, match_all_filter, 0)->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
}  // namespace k8saudit::bench
