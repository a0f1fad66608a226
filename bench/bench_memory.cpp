// SPDX-License-Identifier: Apache-2.0
//
// k8saudit_bench_memory: the reader's memory over a multi-gigabyte input. Not a speed benchmark
// (the time includes generating the input): it shows that reading every event of an input of any
// size takes a fixed amount of memory.
//
//   build-bench/bench/k8saudit_bench_memory                                   # 4 GiB per format
//   K8SAUDIT_BENCH_MEMORY_MB=16384 build-bench/bench/k8saudit_bench_memory --benchmark_filter=jsonl
//
// The input is generated on the fly (bench/corpus_generator.h) by a byte source that hands the
// reader one 4 MiB chunk at a time, so nothing of its size is ever in memory or on disk. Each
// chunk is a corpus of its own (seed + chunk number), in the benchmark's wire format. The reader
// does what `k8saudit check` does: default options, every field of every event parsed.
//
// Counters (MiB):
//   peak_rss     the process's high-water mark (getrusage ru_maxrss); the target is < 64 MiB.
//                It covers everything in the process, the 4 MiB chunk included, and earlier
//                benchmarks of the same run: run one format per process (--benchmark_filter)
//                for a figure of its own.
//   reader_rss   the highest resident size sampled during the run (after every batch) minus the
//                resident size before the reader was created: what reading added.
//   growth       the highest resident size sampled after the warm-up (the first 1/8 of the
//                input) minus the resident size at its end: ~0 when memory does not grow with
//                the input.
// and GB (input bytes), events.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <k8saudit/detail/source.h>
#include <k8saudit/k8saudit.h>

#include "corpus_generator.h"

namespace {

using k8saudit::bench::corpus_format;

constexpr double mib = 1024.0 * 1024.0;
constexpr std::size_t chunk_bytes = std::size_t{4} << 20;

std::uint64_t input_bytes() {
  const char* env = std::getenv("K8SAUDIT_BENCH_MEMORY_MB");
  std::uint64_t mb = 4096;
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    mb = std::strtoull(env, &end, 10);
    if (end == env || *end != '\0' || mb == 0) {
      std::fprintf(stderr, "k8saudit_bench_memory: K8SAUDIT_BENCH_MEMORY_MB must be a positive number, got '%s'\n", env);
      std::exit(2);
    }
  }
  return mb << 20;
}

// Resident set size now (/proc/self/statm), in bytes.
std::uint64_t current_rss() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long pages = 0;
  unsigned long long resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &pages, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// The process's peak resident set size (getrusage), in bytes.
std::uint64_t peak_rss() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;  // KiB on Linux
}

// Hands out `total` bytes (rounded up to whole chunks) of generated corpus, one chunk at a time,
// like a pipe: the reader does not know the size.
class generated_source final : public k8saudit::detail::byte_source {
 public:
  generated_source(corpus_format format, std::uint64_t total) : format_(format), total_(total) {}

  k8saudit::result<std::size_t> read(char* dst, std::size_t n) override {
    if (at_ == chunk_.size()) {
      if (delivered_ >= total_) return std::size_t{0};
      refill();
    }
    const std::size_t k = std::min(n, chunk_.size() - at_);
    std::memcpy(dst, chunk_.data() + at_, k);
    at_ += k;
    delivered_ += k;
    return k;
  }
  [[nodiscard]] std::uint64_t position() const noexcept override { return delivered_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return 0; }

 private:
  void refill() {
    k8saudit::bench::generator_options opts;
    opts.seed = 7 + chunks_++;
    opts.target_bytes = chunk_bytes;
    if (format_ != corpus_format::jsonl) opts.non_audit_fraction = 0.02;  // skips too
    chunk_.clear();  // keeps its capacity
    k8saudit::bench::append_corpus(chunk_, format_, opts);
    at_ = 0;
  }

  corpus_format format_;
  std::uint64_t total_;
  std::uint64_t delivered_ = 0;
  std::uint64_t chunks_ = 0;
  std::string chunk_;
  std::size_t at_ = 0;
};

void bm_memory(benchmark::State& state, corpus_format format) {
  const std::uint64_t total = input_bytes();
  for (auto _ : state) {
#if defined(__GLIBC__)
    malloc_trim(0);  // what an earlier benchmark freed leaves the baseline
#endif
    const std::uint64_t rss_before = current_rss();
    std::uint64_t rss_max = rss_before;
    std::uint64_t rss_warm = 0;
    std::uint64_t rss_max_after_warm = 0;
    std::uint64_t events = 0;
    std::uint64_t checksum = 0;

    k8saudit::reader reader;  // default options: what `k8saudit check` reads, every field
    reader.open_source(std::make_unique<generated_source>(format, total), "<generated>");
    k8saudit::batch b;
    while (reader.next(b)) {
      events += b.events.size();
      for (const k8saudit::event& ev : b.events) checksum += ev.verb.size() + ev.audit_id.size();
      const std::uint64_t rss = current_rss();
      rss_max = std::max(rss_max, rss);
      if (rss_warm == 0) {
        if (reader.source_position() >= total / 8) rss_warm = rss;
      } else {
        rss_max_after_warm = std::max(rss_max_after_warm, rss);
      }
    }
    benchmark::DoNotOptimize(checksum);
    const k8saudit::counters& c = reader.stats();
    if (reader.failed() || c.errors != 0 || c.records != c.events + c.skipped + c.errors || events != c.events) {
      state.SkipWithError("the generated input did not read cleanly");
      return;
    }
    state.counters["GB"] = static_cast<double>(c.bytes) / 1e9;
    state.counters["events"] = static_cast<double>(events);
    state.counters["peak_rss"] = static_cast<double>(peak_rss()) / mib;
    state.counters["reader_rss"] = static_cast<double>(rss_max - rss_before) / mib;
    state.counters["growth"] =
        rss_warm == 0 ? 0.0 : (static_cast<double>(rss_max_after_warm) - static_cast<double>(rss_warm)) / mib;
    state.SetBytesProcessed(static_cast<std::int64_t>(c.bytes));
  }
}

BENCHMARK_CAPTURE(bm_memory, jsonl, corpus_format::jsonl)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(bm_memory, aks, corpus_format::aks)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(bm_memory, eventhub, corpus_format::eventhub)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
