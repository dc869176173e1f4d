#!/usr/bin/env bash
# ctest smm_demo.small_run: runs scripts/demo.sh BUILD_DIR COUNT (daemon + mocks in a temp dir,
# ports picked by the mocks) and checks that it exits 0 (the daemon stopped with 0 on SIGTERM
# too) and that its summary accounts for every order: accepted + refused = COUNT and
# placed + rejected + unknown = accepted, with nothing left open or waiting.
set -uo pipefail
script=$1 build=$2 count=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$script" "$build" "$count" --no-progress >"$out"
rc=$?
cat "$out"
if ((rc != 0)); then
  echo "check_demo: demo.sh exited $rc" >&2
  exit 1
fi
line=$(grep '^accounting:' "$out") || { echo "check_demo: no accounting line" >&2; exit 1; }
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
accepted=$(get accepted) placed=$(get placed) rejected=$(get rejected) unknown=$(get unknown)
open=$(get open) waiting=$(get waiting) refused=$(get refused)
echo "check_demo: accepted=$accepted placed=$placed rejected=$rejected unknown=$unknown" \
  "open=$open waiting=$waiting refused=$refused"
for v in "$accepted" "$placed" "$rejected" "$unknown" "$open" "$waiting" "$refused"; do
  [[ -n $v ]] || { echo "check_demo: cannot read the accounting line: $line" >&2; exit 1; }
done
if ((accepted + refused != count)); then
  echo "check_demo: accepted $accepted + refused $refused != $count orders sent" >&2
  exit 1
fi
if ((placed == 0 || placed + rejected + unknown != accepted || open != 0 || waiting != 0)); then
  echo "check_demo: placed + rejected + unknown != accepted, something still open, or nothing placed" >&2
  exit 1
fi
