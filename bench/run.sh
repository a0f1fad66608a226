#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds k8saudit_bench (Release, peers on) and runs every task with every implementation in one
# run, then prints the markdown table of throughput and ratios (the form the README quotes).
#
#   bench/run.sh                      # 64 MiB corpus, build in build-bench/
#   K8SAUDIT_BENCH_MB=256 bench/run.sh --benchmark_repetitions=5
#
# The Go peers (fastjson, encoding/json) are in the table when Go and fastjson are installed
# (.ci/install-deps --go) before build-bench is first configured.
# Environment: BUILD_DIR (default build-bench), K8SAUDIT_BENCH_MB (corpus size, default 64).
# Extra arguments go to the benchmark (default: --benchmark_min_time=0.5 --benchmark_repetitions=3).
# The repetitions of all benchmarks are always run in a random interleaved order, so that a slow
# spell of this shared, noisy machine does not land on one implementation only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-bench}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DK8SAUDIT_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$build" --target k8saudit_bench >/dev/null
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--benchmark_min_time=0.5 --benchmark_repetitions=3)
table=$(mktemp)
trap 'rm -f "$table"' EXIT
# Only the benchmarks the table uses: every T task, plus the baselines of T4 and T6.
K8SAUDIT_BENCH_MARKDOWN=$table "$build/bench/k8saudit_bench" --benchmark_enable_random_interleaving=true \
  --benchmark_filter='^T[0-9]/|^F/parse_all$|^Q/stats$|^P/cat$|^P/apply/aks-cost-saving$' "${args[@]}" >&2
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
cxx=$(grep -m1 '^CMAKE_CXX_COMPILER:' "$build/CMakeCache.txt" | sed 's/.*=//')
echo
echo "CPU: $cpu ($(nproc) cores); compiler: $($cxx --version | head -1); corpus: ${K8SAUDIT_BENCH_MB:-64} MiB generated JSON lines (seed 42)"
echo "GB/s = 10^9 bytes per second of input; command: bench/run.sh ${args[*]}"
echo
cat "$table"
