// SPDX-License-Identifier: Apache-2.0
//
// k8saudit_bench: Google Benchmark over one generated corpus, one benchmark per task and
// implementation, reported as bytes/s and events/s.
//
//   K8SAUDIT_BENCH_MB=64 ./k8saudit_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "bench_registry.h"
#include "corpus_generator.h"
#include "peers.h"

namespace k8saudit::bench {

std::vector<t1_implementation>& t1_implementations() {
  static std::vector<t1_implementation> all;
  return all;
}

bool register_t1(std::string name, t1_function run) {
  t1_implementations().push_back({std::move(name), std::move(run)});
  return true;
}

namespace {
std::size_t corpus_megabytes() {
  const char* env = std::getenv("K8SAUDIT_BENCH_MB");
  if (env == nullptr || *env == '\0') return 64;
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(env, &end, 10);
  if (end == env || *end != '\0' || mb == 0 || mb > (1ULL << 20)) {
    std::fprintf(stderr, "k8saudit_bench: K8SAUDIT_BENCH_MB must be a positive number of megabytes, got '%s'\n", env);
    std::exit(2);
  }
  return static_cast<std::size_t>(mb);
}
}  // namespace

const std::string& bench_corpus() {
  static const std::string corpus = [] {
    generator_options options;  // seed 42, 5% request bodies
    options.target_bytes = corpus_megabytes() << 20;
    return generate_corpus(corpus_format::jsonl, options);
  }();
  return corpus;
}

}  // namespace k8saudit::bench

namespace {

using namespace k8saudit::bench;

void bm_t1(benchmark::State& state, const t1_implementation* impl, std::uint64_t events) {
  const std::string& corpus = bench_corpus();
  for (auto _ : state) {
    t1_result result = impl->run(corpus);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(corpus.size()));
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Peers first, then everything registered by static initialisers (register_t1, bench_registry.h).
  // k8saudit implementations are registered in bench_k8saudit.cpp
  auto& impls = t1_implementations();
  std::vector<t1_implementation> peers = {
    {"simdjson_ondemand", t1_simdjson_ondemand},
    {"simdjson_dom", t1_simdjson_dom},
#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
    {"rapidjson", t1_rapidjson},
#endif
#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
    {"nlohmann", t1_nlohmann},
#endif
  };
  impls.insert(impls.begin(), std::make_move_iterator(peers.begin()), std::make_move_iterator(peers.end()));

  const std::string& corpus = bench_corpus();
  const t1_result expected = t1_simdjson_ondemand(corpus);
  std::fprintf(stderr, "k8saudit_bench: corpus %zu bytes, %llu events (seed 42); simdjson implementation %s\n",
               corpus.size(), static_cast<unsigned long long>(expected.events),
               std::string(simdjson::get_active_implementation()->name()).c_str());
  std::fprintf(stderr, "k8saudit_bench: T1 reference: %s\n", describe(expected).c_str());

  bool all_agree = true;
  for (const t1_implementation& impl : impls) {
    const t1_result got = impl.run(corpus);
    const std::string diff = describe_difference(expected, got);
    if (!diff.empty()) {
      std::fprintf(stderr, "k8saudit_bench: ERROR: T1 '%s' disagrees with simdjson_ondemand: %s\n", impl.name.c_str(),
                   diff.c_str());
      all_agree = false;
    }
  }
  if (!all_agree) return 1;

  benchmark::AddCustomContext("corpus_bytes", std::to_string(corpus.size()));
  benchmark::AddCustomContext("corpus_events", std::to_string(expected.events));
  benchmark::AddCustomContext("simdjson_implementation", std::string(simdjson::get_active_implementation()->name()));
  for (const t1_implementation& impl : impls) {
    benchmark::RegisterBenchmark(("T1/" + impl.name).c_str(), bm_t1, &impl, expected.events)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
