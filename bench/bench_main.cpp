// SPDX-License-Identifier: Apache-2.0
//
// k8saudit_bench: Google Benchmark over one generated corpus, one benchmark per task and
// implementation, reported as bytes/s and events/s.
//
//   K8SAUDIT_BENCH_MB=64 ./k8saudit_bench --benchmark_min_time=1
//
// With K8SAUDIT_BENCH_MARKDOWN=FILE it also writes the task table (throughput and the ratios the
// targets are stated in) as markdown to FILE once the run is over; bench/run.sh does this.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define K8SAUDIT_BENCH_TOGGLE_COLLECT() CALLGRIND_TOGGLE_COLLECT
#else
#define K8SAUDIT_BENCH_TOGGLE_COLLECT() ((void)0)
#endif

#include "bench_registry.h"
#include "corpus_generator.h"
#include "peers.h"

namespace k8saudit::bench {

std::vector<task_implementation>& task_implementations() {
  static std::vector<task_implementation> all;
  return all;
}

bool register_task(std::string task, std::string name, task_function run) {
  task_implementations().push_back({std::move(task), std::move(name), std::move(run)});
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

std::string generate(corpus_format format) {
  generator_options options;  // seed 42, 5% request bodies
  options.target_bytes = corpus_megabytes() << 20;
  return generate_corpus(format, options);
}
}  // namespace

const std::string& bench_corpus() {
  static const std::string corpus = generate(corpus_format::jsonl);
  return corpus;
}

const std::string& bench_corpus_aks() {
  static const std::string corpus = generate(corpus_format::aks);
  return corpus;
}

collect_scope::collect_scope() noexcept { K8SAUDIT_BENCH_TOGGLE_COLLECT(); }
collect_scope::~collect_scope() { K8SAUDIT_BENCH_TOGGLE_COLLECT(); }

}  // namespace k8saudit::bench

namespace {

using namespace k8saudit::bench;

const std::string& task_input(const std::string& task) { return task == "T5" ? bench_corpus_aks() : bench_corpus(); }

void bm_task(benchmark::State& state, const task_implementation* impl, std::uint64_t events) {
  const std::string& input = task_input(impl->task);
  {
    const collect_scope counted;
    for (auto _ : state) {
      t1_result result = impl->run(input);
      benchmark::DoNotOptimize(result);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(input.size()));
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------------------------------------
// The markdown table: one row per task implementation, with the ratio each target is stated in.
// ---------------------------------------------------------------------------------------------
struct figures {
  double bytes_per_second = 0;
  double events_per_second = 0;
};

struct row_spec {
  const char* benchmark;
  const char* task;
  const char* label;
  const char* numerator;    // ratio = numerator / denominator (empty numerator: this row)
  const char* denominator;  // empty: no ratio
  bool by_events;           // compare events/s (inputs of different sizes), else bytes/s
  const char* meaning;
  const char* target;
};

constexpr row_spec table_rows[] = {
    {"T1/k8saudit", "T1", "k8saudit (the seven fields: field mask)", "", "", false, "", ""},
    {"T1/simdjson_ondemand", "T1", "hand-written simdjson On-Demand", "T1/k8saudit", "", false, "k8saudit / this", ">= 1.0"},
    {"T1/simdjson_dom", "T1", "simdjson DOM", "T1/k8saudit", "", false, "k8saudit / this", ""},
    {"T1/rapidjson", "T1", "RapidJSON", "T1/k8saudit", "", false, "k8saudit / this", ">= 3.5"},
    {"T1/nlohmann", "T1", "nlohmann::json", "T1/k8saudit", "", false, "k8saudit / this", ">= 12"},
    {"T1/go_fastjson", "T1", "Go fastjson (as in Falco's k8saudit plugin)", "T1/k8saudit", "", false, "k8saudit / this", ""},
    {"T1/go_encoding_json", "T1", "Go encoding/json", "T1/k8saudit", "", false, "k8saudit / this", ""},
    {"T2/k8saudit", "T2", "k8saudit, full typed parse of every field", "", "T1/k8saudit", false, "this / T1 k8saudit",
     ">= 0.80"},
    {"T3/k8saudit", "T3", "k8saudit filter `verb == \"delete\"` (projection + prefilter)", "", "", false, "", ""},
    {"T3/simdjson_ondemand", "T3", "hand-written simdjson On-Demand", "T3/k8saudit", "", false, "k8saudit / this", ""},
    {"T3/simdjson_dom", "T3", "simdjson DOM", "T3/k8saudit", "", false, "k8saudit / this", ""},
    {"T3/rapidjson", "T3", "RapidJSON", "T3/k8saudit", "", false, "k8saudit / this", ""},
    {"T3/nlohmann", "T3", "nlohmann::json", "T3/k8saudit", "", false, "k8saudit / this", ""},
    {"T3/go_fastjson", "T3", "Go fastjson", "T3/k8saudit", "", false, "k8saudit / this", ""},
    {"Q/stats", "T4", "k8saudit `stats` (six pipelines, one thread)", "", "F/parse_all", false,
     "this / full typed parse", ">= 0.85"},
    {"T5/k8saudit", "T5", "k8saudit, the same events as AKS records", "", "T1/k8saudit", true,
     "events/s: this / T1 k8saudit", ">= 0.60"},
    {"T5/simdjson_ondemand", "T5", "hand-written simdjson On-Demand (two parses)", "T5/k8saudit", "", true,
     "k8saudit / this", ""},
    {"T5/go_fastjson", "T5", "Go fastjson (two parses)", "T5/k8saudit", "", true, "k8saudit / this", ""},
    {"P/cat", "T6", "k8saudit `cat` (parse + write every event)", "", "", false, "", ""},
    {"P/apply/aks-cost-saving", "T6", "k8saudit `policy apply` (aks-cost-saving.yaml)", "", "P/cat", false,
     "this / cat", ">= 0.60"},
};

class markdown_reporter : public benchmark::ConsoleReporter {
 public:
  explicit markdown_reporter(std::string path) : path_(std::move(path)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      figures f;
      if (auto it = run.counters.find("bytes_per_second"); it != run.counters.end()) f.bytes_per_second = it->second;
      if (auto it = run.counters.find("events/s"); it != run.counters.end()) f.events_per_second = it->second;
      const std::string name = run.run_name.function_name;
      // A median beats single runs; among single runs (no repetitions) the last one counts.
      if (median || !medians_.contains(name)) results_[name] = f;
      if (median) medians_[name] = true;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::FILE* out = std::fopen(path_.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "k8saudit_bench: cannot write %s\n", path_.c_str());
      return;
    }
    std::fprintf(out, "| task | implementation | GB/s | M events/s | ratio | ratio is | target |\n");
    std::fprintf(out, "|---|---|---:|---:|---:|---|---|\n");
    for (const row_spec& r : table_rows) {
      const auto self = results_.find(r.benchmark);
      if (self == results_.end()) continue;
      std::string ratio;
      const char* num = *r.numerator != '\0' ? r.numerator : r.benchmark;
      const char* den = *r.denominator != '\0' ? r.denominator : (*r.numerator != '\0' ? r.benchmark : "");
      if (*den != '\0') {
        const auto a = results_.find(num);
        const auto b = results_.find(den);
        if (a != results_.end() && b != results_.end()) {
          const double x = r.by_events ? a->second.events_per_second : a->second.bytes_per_second;
          const double y = r.by_events ? b->second.events_per_second : b->second.bytes_per_second;
          if (y > 0) ratio = fmt_double(x / y);
        }
      }
      std::fprintf(out, "| %s | %s | %.2f | %.2f | %s | %s | %s |\n", r.task, r.label, self->second.bytes_per_second / 1e9,
                   self->second.events_per_second / 1e6, ratio.c_str(), r.meaning, r.target);
    }
    std::fclose(out);
  }

 private:
  static std::string fmt_double(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
  }
  std::string path_;
  std::map<std::string, figures> results_;
  std::map<std::string, bool> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Peers first, then everything registered by static initialisers (register_task,
  // bench_registry.h): k8saudit's implementations are in bench_k8saudit.cpp.
  auto& impls = task_implementations();
  std::vector<task_implementation> peers = {
    {"T1", "simdjson_ondemand", t1_simdjson_ondemand},
    {"T1", "simdjson_dom", t1_simdjson_dom},
#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
    {"T1", "rapidjson", t1_rapidjson},
#endif
#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
    {"T1", "nlohmann", t1_nlohmann},
#endif
    {"T3", "simdjson_ondemand", t3_simdjson_ondemand},
    {"T3", "simdjson_dom", t3_simdjson_dom},
#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
    {"T3", "rapidjson", t3_rapidjson},
#endif
#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
    {"T3", "nlohmann", t3_nlohmann},
#endif
    {"T5", "simdjson_ondemand", t5_simdjson_ondemand},
  };
  impls.insert(impls.begin(), std::make_move_iterator(peers.begin()), std::make_move_iterator(peers.end()));

  // The reference of each task: simdjson On Demand. T2 and T5 must give T1's result (the same
  // events, read differently); T3 its own.
  const std::string& corpus = bench_corpus();
  const t1_result t1_expected = t1_simdjson_ondemand(corpus);
  const t1_result t3_expected = t3_simdjson_ondemand(corpus);
  std::fprintf(stderr, "k8saudit_bench: corpus %zu bytes (AKS records: %zu), %llu events (seed 42); simdjson %s\n",
               corpus.size(), bench_corpus_aks().size(), static_cast<unsigned long long>(t1_expected.events),
               std::string(simdjson::get_active_implementation()->name()).c_str());
  std::fprintf(stderr, "k8saudit_bench: T1 reference: %s\n", describe(t1_expected).c_str());
  std::fprintf(stderr, "k8saudit_bench: T3 reference: %s\n", describe(t3_expected).c_str());

  bool all_agree = true;
  for (const task_implementation& impl : impls) {
    const t1_result& expected = impl.task == "T3" ? t3_expected : t1_expected;
    const t1_result got = impl.run(task_input(impl.task));
    const std::string diff = describe_difference(expected, got);
    if (!diff.empty()) {
      std::fprintf(stderr, "k8saudit_bench: ERROR: %s '%s' disagrees with simdjson On Demand: %s\n", impl.task.c_str(),
                   impl.name.c_str(), diff.c_str());
      all_agree = false;
    }
  }
  if (!all_agree) return 1;

  benchmark::AddCustomContext("corpus_bytes", std::to_string(corpus.size()));
  benchmark::AddCustomContext("corpus_events", std::to_string(t1_expected.events));
  benchmark::AddCustomContext("simdjson_implementation", std::string(simdjson::get_active_implementation()->name()));
  for (const task_implementation& impl : impls) {
    // events/s counts the events read (for T3, all of them, not only the matches)
    benchmark::RegisterBenchmark((impl.task + "/" + impl.name).c_str(), bm_task, &impl, t1_expected.events)
        ->Unit(benchmark::kMillisecond);
  }
  if (const char* md = std::getenv("K8SAUDIT_BENCH_MARKDOWN"); md != nullptr && *md != '\0') {
    markdown_reporter reporter(md);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
