// SPDX-License-Identifier: Apache-2.0
//
// The benchmark executable's registry of task implementations and its shared corpora.
//
// Tasks (see peers.h for the rules every implementation follows):
//   T1  seven fields of every event of the JSONL corpus, folded into a t1_result
//   T2  the same result from a full typed parse of every field (k8saudit only)
//   T3  T1 over the events whose verb is t3_verb only (a selective filter, about 1%)
//   T5  T1 over the same events as AKS records (bench_corpus_aks())
// T4 (stats) and T6 (policy apply) have no peer: they are the Q/ and P/ benchmarks.
//
// bench_main.cpp registers the peers (simdjson, RapidJSON, nlohmann::json). Other translation
// units linked into k8saudit_bench (bench_k8saudit.cpp; go_peers.cpp, the Go peers, when Go is
// installed) add their implementations from a static initializer:
//
//   static const bool registered =
//       k8saudit::bench::register_task("T1", "k8saudit", [](std::string_view jsonl) { return ...; });
//
// Before benchmarking, main() checks that every implementation of a task returns the same
// t1_result as simdjson On Demand's, and exits with status 1 if one does not.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "peers.h"

namespace k8saudit::bench {

using task_function = std::function<t1_result(std::string_view input)>;

struct task_implementation {
  std::string task;  ///< "T1", "T2", "T3" or "T5"
  std::string name;
  task_function run;
};

/// All registered implementations, in registration order (static-initialisation safe).
std::vector<task_implementation>& task_implementations();

/// Adds an implementation; returns true so it can initialise a static.
bool register_task(std::string task, std::string name, task_function run);

/// The JSONL corpus all benchmarks run on, generated on first use
/// (size from the environment variable K8SAUDIT_BENCH_MB, default 64).
const std::string& bench_corpus();
/// The same events as AKS diagnostic records, one per line (task T5).
const std::string& bench_corpus_aks();

/// Wraps a benchmark's timed loop: under callgrind (bench/callgrind.sh runs it with
/// --collect-atstart=no) instructions are counted only while one of these lives, so the setup
/// and result checks around the loop stay out of the count. Outside valgrind it does nothing.
struct collect_scope {
  collect_scope() noexcept;
  ~collect_scope();
  collect_scope(const collect_scope&) = delete;
  collect_scope& operator=(const collect_scope&) = delete;
};

}  // namespace k8saudit::bench
