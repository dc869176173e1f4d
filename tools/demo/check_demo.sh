#!/usr/bin/env bash
# ctest smm_demo.small_run: runs scripts/demo.sh BUILD_DIR COUNT and checks that it exits 0 and
# that its summary accounts for every accepted order: placed + rejected + unknown = accepted.
set -uo pipefail
script=$1 build=$2 count=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$script" "$build" "$count" >"$out"
rc=$?
cat "$out"
if ((rc != 0)); then
  echo "check_demo: demo.sh exited $rc" >&2
  exit 1
fi
line=$(grep '^accounting:' "$out") || { echo "check_demo: no accounting line" >&2; exit 1; }
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
accepted=$(get accepted) placed=$(get placed) rejected=$(get rejected) unknown=$(get unknown)
echo "check_demo: accepted=$accepted placed=$placed rejected=$rejected unknown=$unknown"
if [[ -z $accepted || -z $placed || -z $rejected || -z $unknown ]]; then
  echo "check_demo: cannot read the accounting line: $line" >&2
  exit 1
fi
if ((accepted != count)); then
  echo "check_demo: accepted $accepted of $count orders" >&2
  exit 1
fi
if ((placed == 0 || placed + rejected + unknown != accepted)); then
  echo "check_demo: placed + rejected + unknown != accepted (or nothing placed)" >&2
  exit 1
fi
