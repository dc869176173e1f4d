#!/bin/sh
# verify_unit.sh UNIT EXECUTABLE
# `systemd-analyze verify` on a copy of UNIT whose /usr/bin/smm-dispatchd points at EXECUTABLE
# (verify rejects commands that do not exist). Any diagnostic fails: verify exits 0 on
# unknown keys and only warns. Exits 77 (skipped) without systemd-analyze.
set -eu
unit=$1
exe=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze not installed"; exit 77; }
[ -x "$exe" ] || { echo "FAIL: $exe is not executable"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy="$tmp/$(basename "$unit")"
sed "s|/usr/bin/smm-dispatchd|$exe|g" "$unit" >"$copy"
grep -q "$exe" "$copy" || { echo "FAIL: $unit does not run /usr/bin/smm-dispatchd"; exit 1; }
rc=0
out=$(systemd-analyze verify "$copy" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "FAIL: systemd-analyze verify $unit (exit $rc)"
  exit 1
fi
echo "OK: systemd-analyze verify $unit"
