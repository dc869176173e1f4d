#!/bin/sh
# security_score.sh UNIT MAX
# Fails when `systemd-analyze security --offline=yes UNIT` rates the unit's exposure above MAX
# (0.0 best .. 10.0 worst). Exits 77 (skipped) without systemd-analyze.
set -eu
unit=$1
max=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze not installed"; exit 77; }
out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p')
if [ -z "$score" ]; then
  printf '%s\n' "$out"
  echo "FAIL: no \"Overall exposure level\" in the output for $unit"
  exit 1
fi
printf '%s\n' "$out" | grep '✗' || true
# Compare as tenths: both numbers have one decimal.
if [ "$(echo "$score" | tr -d .)" -gt "$(echo "$max" | tr -d .)" ]; then
  echo "FAIL: $unit exposure $score > $max"
  exit 1
fi
echo "OK: $unit exposure $score <= $max"
