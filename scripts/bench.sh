#!/usr/bin/env bash
# Runs the Google Benchmark programs of a build directory, each briefly, with its baseline in
# the same run (compare ratios, not absolute figures: the machines are shared and noisy).
# Usage: scripts/bench.sh BUILD_DIR    (a Release build: make bench does it)
set -euo pipefail
build=${1:?usage: scripts/bench.sh BUILD_DIR}
export SMM_BENCH_DIR=${SMM_BENCH_DIR:-$build}  # the journal bench writes to a real disk here
for b in dispatch/dispatch_hot_path_bench providers/providers_parse_bench store/store_journal_bench; do
  bin=$build/bench/$b
  [[ -x $bin ]] || { echo "bench.sh: $bin is not built" >&2; exit 1; }
  echo "== $b"
  "$bin" --benchmark_min_time=0.5
done
echo "End-to-end intake (daemon + mock + loadgen): scripts/bench-intake.sh $build"
