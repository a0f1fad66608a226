#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs every libFuzzer binary of a build for a while and reports what each did.
#
#   fuzz/run-smoke.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build with -DK8SAUDIT_BUILD_FUZZERS=ON under clang (the `fuzz` preset:
# build-presets/fuzz). Each fuzz_<name> runs SECONDS seconds (-max_total_time), one after the
# other, on a copy of its seed corpus (fuzz/corpus/<name> and fuzz/regressions/<name>) in a
# temporary directory, with the dictionary fuzz/audit.dict, -rss_limit_mb=2048 and -timeout=10.
# Prints executions, exec/s, coverage (cov, ft) and corpus size per fuzzer; exits non-zero when
# any fuzzer crashed, leaked, hung or ran out of memory (its log and the input that did it are
# kept in BUILD_DIR/fuzz-smoke/).
#
# Environment: FUZZERS="reader filter" runs only those; FUZZ_ARGS adds libFuzzer flags
# (e.g. FUZZ_ARGS="-jobs=1 -workers=1"); KEEP_CORPUS=1 keeps the grown corpora.
# Replay builds (no libFuzzer, e.g. GCC) have nothing to fuzz: their binaries are skipped.
set -euo pipefail

if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
out="$build/fuzz-smoke"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/k8saudit-fuzz.XXXXXX")
if [[ "${KEEP_CORPUS:-0}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "grown corpora kept in $work"
fi

names=${FUZZERS:-$(cd "$build/fuzz" 2>/dev/null && ls fuzz_* 2>/dev/null | sed -n 's/^fuzz_//p' | sort)}
if [[ -z "$names" ]]; then
  echo "no fuzz_* binary in $build/fuzz (configure with -DK8SAUDIT_BUILD_FUZZERS=ON)" >&2
  exit 2
fi

status=0
ran=0
summary=()
for name in $names; do
  bin="$build/fuzz/fuzz_$name"
  if [[ ! -x "$bin" ]]; then
    echo "missing: $bin" >&2
    status=1
    continue
  fi
  # A libFuzzer binary knows -help=1; the replay main does not (it prints its own usage).
  help=$("$bin" -help=1 2>&1 || true)
  if [[ "$help" != *-max_total_time* ]]; then
    echo "skip fuzz_$name: not a libFuzzer binary (replay build)"
    continue
  fi
  corpus="$work/$name"
  mkdir -p "$corpus"
  for src in "$here/corpus/$name" "$here/regressions/$name"; do
    [[ -d "$src" ]] && cp "$src"/* "$corpus"/ 2>/dev/null || true
  done
  log="$out/$name.log"
  echo "== fuzz_$name: ${seconds}s on $(ls "$corpus" | wc -l) seeds (log: $log)"
  # Run from a scratch directory: with -jobs=N libFuzzer writes each job's output to
  # fuzz-<job>.log there, appended to the log below.
  jobdir="$work/$name.jobs"
  mkdir -p "$jobdir"
  set +e
  # shellcheck disable=SC2086
  (cd "$jobdir" && "$bin" "$corpus" -max_total_time="$seconds" -dict="$here/audit.dict" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$out/$name-" ${FUZZ_ARGS:-}) >"$log" 2>&1
  rc=$?
  set -e
  if ! grep -q '^stat::number_of_executed_units' "$log"; then
    for joblog in "$jobdir"/fuzz-*.log; do
      if [[ -f "$joblog" ]]; then cat "$joblog" >>"$log"; fi
    done
  fi
  ran=$((ran + 1))
  # The last status line (#N DONE / pulse / NEW ...) and the final stats.
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  if [[ $rc -ne 0 ]]; then
    status=1
    verdict="FAILED (exit $rc)"
    grep -E '^==[0-9]+==ERROR|^SUMMARY|k8saudit-fuzz|Test unit written|ALARM|out-of-memory' "$log" | head -n 20 || true
  else
    verdict="ok"
  fi
  line=$(printf '%-14s %-22s execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %s' \
    "$name" "$verdict" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary (${seconds}s each)"
for line in "${summary[@]}"; do echo "$line"; done
if [[ $ran -eq 0 ]]; then
  echo "no libFuzzer binary ran (a replay build?)"
fi
exit $status
