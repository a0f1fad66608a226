#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the synthetic sample files in examples/data/ with k8saudit-gen.
#
#   bench/make-sample-data.sh [path/to/k8saudit-gen]
#
# Without an argument it uses build-bench/bench/k8saudit-gen, building it first if needed.
# The output is deterministic: the same generator gives byte-identical files.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
gen=${1:-$root/build-bench/bench/k8saudit-gen}
out=$root/examples/data

if [ ! -x "$gen" ]; then
  echo "make-sample-data: building k8saudit-gen in $root/build-bench" >&2
  cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DK8SAUDIT_BUILD_BENCHMARKS=ON -DK8SAUDIT_BUILD_TESTS=OFF -DK8SAUDIT_BUILD_TOOLS=OFF \
    -DK8SAUDIT_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$root/build-bench" --target k8saudit-gen >/dev/null
  gen=$root/build-bench/bench/k8saudit-gen
fi

# Seed 1454 is used because its first ~52 events show most features in little space: request
# and response bodies, 403 and 404 failures, a delete, watch ResponseStarted, kubectl users,
# non-ASCII text and \u0026 in requestURI (see examples/data/README.md).
common="--seed 1454 --events 52"
mkdir -p "$out"
"$gen" --format jsonl $common -o "$out/sample.jsonl"
"$gen" --format eventhub $common --non-audit-fraction 0.02 -o "$out/sample-aks-eventhub.json"
"$gen" --format aks $common -o "$out/sample-aks-pt1h.json"
"$gen" --format eventlist $common --items-per-list 25 -o "$out/sample-eventlist.json"
ls -l "$out"
