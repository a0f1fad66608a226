// SPDX-License-Identifier: Apache-2.0
// Aggregation benchmarks (issue: aggregation), on the same generated JSONL corpus:
//   Q/stats          the pipelines of `k8saudit stats` (overview_sections()), one pass, one thread:
//                    compare with F/parse_all (the full typed parse alone)
//   Q/count_by_verb  `summarize count() by verb` with its projection
//   Q/top_users_errors  `where responseStatus.code >= 400 | summarize count() by user.username, verb | top 10 by count_`
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <k8saudit/aggregate.h>
#include <k8saudit/k8saudit.h>

#include "bench_registry.h"

namespace k8saudit::bench {
namespace {

std::size_t run(std::string_view jsonl, const std::vector<query>& queries) {
  reader_options opt;
  opt.format = input_format::jsonl;
  opt.fields = field_mask::none();
  for (const query& q : queries) opt.fields |= q.fields();
  if (queries.size() == 1) opt.prefilter = &queries[0].required_literals();
  reader r(opt);
  r.open_memory(jsonl, "bench");
  std::vector<query_state> states;
  for (const query& q : queries) states.push_back(q.make_state());
  batch b;
  while (r.next(b)) {
    query_state::add(states, b.events);
  }
  std::size_t rows = 0;
  for (const query_state& s : states) rows += s.finish().rows.size();
  return rows;
}

void bm_query(benchmark::State& state, std::vector<std::string> texts) {
  const std::string& corpus = bench_corpus();
  std::vector<query> queries;
  for (const std::string& t : texts) {
    auto q = query::compile(t);
    if (!q) {
      state.SkipWithError(q.error().render().c_str());
      return;
    }
    queries.push_back(std::move(*q));
  }
  {
    const collect_scope counted;
    for (auto _ : state) {
      std::size_t rows = run(corpus, queries);
      benchmark::DoNotOptimize(rows);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(corpus.size()));
}

const bool registered = [] {
  std::vector<std::string> overview;
  for (const overview_section& s : overview_sections()) overview.emplace_back(s.pipeline);
  benchmark::RegisterBenchmark("Q/stats", bm_query, overview)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Q/count_by_verb", bm_query, std::vector<std::string>{"summarize count() by verb"})
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "Q/top_users_errors", bm_query,
      std::vector<std::string>{
          "where responseStatus.code >= 400 | summarize count() by user.username, verb | top 10 by count_"})
      ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
}  // namespace k8saudit::bench
