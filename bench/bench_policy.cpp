// SPDX-License-Identifier: Apache-2.0
// Policy benchmarks (issue: audit Policy), on the same generated JSONL corpus:
//   P/cat                    every event written back as native JSON (what `k8saudit cat` does)
//   P/apply/aks-cost-saving  evaluate examples/policies/aks-cost-saving.yaml and write the kept
//                            events (what `k8saudit policy apply` does)
//   P/apply/kubernetes-example  the same with the Kubernetes documentation's example policy
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <k8saudit/k8saudit.h>
#include <k8saudit/policy.h>

#include "bench_registry.h"

namespace k8saudit::bench {
namespace {

std::uint64_t run(std::string_view jsonl, const policy* p) {
  reader_options opt;
  opt.format = input_format::jsonl;
  reader r(opt);
  r.open_memory(jsonl, "bench");
  std::string out;
  std::uint64_t written = 0;
  batch b;
  while (r.next(b)) {
    for (const event& ev : b.events) {
      if (p == nullptr) {
        write_json(ev, out);
      } else if (!apply(p->evaluate(ev), ev, out)) {
        continue;
      }
      out += '\n';
      if (out.size() >= (std::size_t{1} << 20)) {
        written += out.size();
        out.clear();
      }
    }
  }
  return written + out.size();
}

void bm_policy(benchmark::State& state, const char* file) {
  const std::string& corpus = bench_corpus();
  policy storage;
  const policy* p = nullptr;
  if (file != nullptr) {
    auto loaded = policy::load_file(std::string(K8SAUDIT_POLICY_DIR) + "/" + file);
    if (!loaded) {
      state.SkipWithError(loaded.error().render().c_str());
      return;
    }
    storage = std::move(*loaded);
    p = &storage;
  }
  std::uint64_t out = 0;
  {
    const collect_scope counted;
    for (auto _ : state) {
      out = run(corpus, p);
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(corpus.size()));
  state.counters["out_%"] = 100.0 * static_cast<double>(out) / static_cast<double>(corpus.size());
}

const bool registered = [] {
  benchmark::RegisterBenchmark("P/cat", bm_policy, nullptr)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("P/apply/aks-cost-saving", bm_policy, "aks-cost-saving.yaml")
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("P/apply/kubernetes-example", bm_policy, "kubernetes-example.yaml")
      ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
}  // namespace k8saudit::bench
