// SPDX-License-Identifier: Apache-2.0
//
// The benchmark executable's registry of T1 implementations and its shared corpus.
//
// bench_main.cpp registers the peers (simdjson, RapidJSON, nlohmann::json). Another
// translation unit linked into k8saudit_bench (bench_k8saudit.cpp) adds its own
// implementations from a static initializer:
//
//   static const bool registered =
//       k8saudit::bench::register_t1("k8saudit", [](std::string_view jsonl) { return ...; });
//
// Before benchmarking, main() checks that every registered implementation returns the same
// t1_result as simdjson_ondemand on the corpus, and exits with status 1 if one does not.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "peers.h"

namespace k8saudit::bench {

using t1_function = std::function<t1_result(std::string_view jsonl)>;

struct t1_implementation {
  std::string name;
  t1_function run;
};

/// All registered implementations, in registration order (static-initialisation safe).
std::vector<t1_implementation>& t1_implementations();

/// Adds an implementation; returns true so it can initialise a static.
bool register_t1(std::string name, t1_function run);

/// The JSONL corpus all benchmarks run on, generated on first use
/// (size from the environment variable K8SAUDIT_BENCH_MB, default 64).
const std::string& bench_corpus();

}  // namespace k8saudit::bench
