#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Instruction counts per benchmark under callgrind: stable on a noisy machine, so this is what to
# compare before and after an optimisation. One benchmark iteration each, on a small corpus.
#
#   bench/callgrind.sh                         # the default set below
#   bench/callgrind.sh 'T1/k8saudit' 'Q/stats'  # exact benchmark names
#
# Environment: BUILD_DIR (default build-bench), K8SAUDIT_BENCH_MB (default 4).
# Prints a markdown table: instructions per iteration, per input byte, and relative to the first.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
build=${BUILD_DIR:-build-bench}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DK8SAUDIT_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$build" --target k8saudit_bench >/dev/null
export K8SAUDIT_BENCH_MB=${K8SAUDIT_BENCH_MB:-4}
# The Go peers' runtime (when linked in) preempts goroutines with signals, which callgrind does
# not survive (an assertion in its signal handling); without async preemption it runs them.
export GODEBUG=asyncpreemptoff=1
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(T1/k8saudit T1/simdjson_ondemand T1/simdjson_dom T1/rapidjson T2/k8saudit
  T3/k8saudit T3/simdjson_ondemand T5/k8saudit T5/simdjson_ondemand F/parse_all Q/stats P/cat P/apply/aks-cost-saving)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| benchmark | instructions / iteration | per input byte | relative to ${names[0]} |"
echo "|---|---:|---:|---:|"
first=
for name in "${names[@]}"; do
  # Only the timed loop is counted (collect_scope in bench_registry.h toggles collection around
  # it): not the corpus generation, the result checks or a benchmark's own setup.
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
    "$build/bench/k8saudit_bench" --benchmark_filter="^${name}\$" --benchmark_min_time=0.001 \
    --benchmark_format=json >"$out/json" 2>"$out/log" || { echo "callgrind.sh: $name failed:" >&2; tail "$out/log" >&2; exit 1; }
  collected=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log")
  iterations=$(sed -n 's/.*"iterations": \([0-9]*\).*/\1/p' "$out/json" | head -1)
  bytes=$(sed -n 's/.*"bytes_per_second": \([0-9.e+]*\).*/\1/p' "$out/json" | head -1)
  real=$(sed -n 's/.*"cpu_time": \([0-9.e+]*\).*/\1/p' "$out/json" | head -1)
  if [ -z "$iterations" ] || [ -z "$collected" ]; then echo "callgrind.sh: no such benchmark: $name" >&2; exit 1; fi
  per=$((collected / iterations))
  [ -n "$first" ] || first=$per
  # input bytes of one iteration = bytes/s * seconds per iteration (cpu_time is in ms; rates are per CPU second)
  awk -v n="$name" -v per="$per" -v first="$first" -v b="$bytes" -v t="$real" 'BEGIN {
    input = b * t / 1000; pb = input > 0 ? sprintf("%.2f", per / input) : "";
    printf "| %s | %d | %s | %.2f |\n", n, per, pb, per / first }'
done
