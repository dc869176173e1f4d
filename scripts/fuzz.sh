#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/<unit>_fuzz.cpp) for FUZZ_SECONDS each (default 60), one
# after the other, and prints how many inputs each executed. Exits 1 when any target crashed,
# leaked, hung, tripped a sanitizer or broke an invariant; its log and the input are named.
#
#   scripts/fuzz.sh [BUILD_DIR]      (default build/fuzz; build it with cmake --build --preset fuzz)
#
# Seeds are read from fuzz/corpus/<unit>/ and the test fixtures listed below, never written:
# what a run finds goes under BUILD_DIR (corpus/<unit>/ grows across runs, artifacts/<unit>/
# holds crashing inputs, logs/<unit>.log the fuzzer's output).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/fuzz}
seconds=${FUZZ_SECONDS:-60}

# Test fixtures that seed a target besides fuzz/corpus/<unit>/.
fixtures_of() {
  case $1 in
    provider_response) echo tests/providers/fixtures ;;
    config_loader) echo config/examples tests/config/fixtures ;;
  esac
}

units=()
for src in fuzz/*_fuzz.cpp; do
  units+=("$(basename "$src" _fuzz.cpp)")
done

failed=()
declare -A execs result
for unit in "${units[@]}"; do
  bin=$build/fuzz/${unit}_fuzz
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 1
  fi
  work=$build/corpus/$unit
  artifacts=$build/artifacts/$unit
  log=$build/logs/$unit.log
  mkdir -p "$work" "$artifacts" "$build/logs"
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$artifacts/")
  if [ -f "fuzz/$unit.dict" ]; then
    args+=(-dict="fuzz/$unit.dict")
  fi
  echo "fuzz: $unit for ${seconds}s" >&2
  # The first directory is the one libFuzzer writes new inputs to.
  # shellcheck disable=SC2046  # the fixture list is meant to split into directories
  if "$bin" "${args[@]}" "$work" "fuzz/corpus/$unit" $(fixtures_of "$unit") >"$log" 2>&1; then
    result[$unit]=ok
  else
    result[$unit]=FAILED
    failed+=("$unit")
    # The report: what broke, where, and which input did it.
    if grep -q -E 'ERROR: |invariant broken|runtime error' "$log"; then
      grep -E -A30 'ERROR: |invariant broken|runtime error' "$log" | head -60 >&2 || true
    else
      tail -40 "$log" >&2
    fi
    grep -E 'Test unit written to' "$log" | tail -1 >&2 || true
  fi
  execs[$unit]=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
done

echo
printf '%-20s %14s  %s\n' target executions result
for unit in "${units[@]}"; do
  printf '%-20s %14s  %s\n' "$unit" "${execs[$unit]:-?}" "${result[$unit]}"
done
echo "(${seconds}s per target; logs in $build/logs/)"

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
