#!/usr/bin/env bash
# make demo: the order life end to end on loopback, until the daemon core exists (issue 2).
#   scripts/demo.sh BUILD_DIR [COUNT [SMM-DEMO FLAGS...]]   (COUNT also SMM_DEMO_COUNT; default 3000)
#   e.g. scripts/demo.sh build/release 500 --keep-journal
# Checks the demo config, starts three mock providers matching it (alpha, beta, gamma on
# 127.0.0.1:18081..18083), runs smm-demo against them, stops the mocks, and exits with
# smm-demo's code. The mocks are stopped on any exit, Ctrl-C included.
set -euo pipefail

build=${1:?usage: scripts/demo.sh BUILD_DIR [COUNT]}
count=${2:-${SMM_DEMO_COUNT:-3000}}
shift $(($# < 2 ? $# : 2))
extra=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
config=$root/config/examples/demo.toml
mock=$build/tools/mockprovider/smm-mockprovider
demo=$build/tools/demo/smm-demo
daemon=$build/daemon/smm-dispatchd
for bin in "$mock" "$demo" "$daemon"; do
  [[ -x $bin ]] || { echo "demo.sh: $bin is missing: build first (make build)" >&2; exit 1; }
done

"$daemon" --check-config "$config"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smm-demo-mocks.XXXXXX")
pids=()
stop_mocks() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_mocks; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Quick and eventful: orders finish within about a second of being placed, one in ten ends
# Partial, one in twenty is canceled; gamma has little money, so its orders fail over to the
# next hop; alpha loses the answer to its first two adds (unknown: counted, never resent);
# alpha and beta answer 10% of status calls with a 503 (the client retries them).
common=(--bind 127.0.0.1 --speed 20000 --pending-ms 100 --partial-prob 0.1 --cancel-prob 0.05)
start_mock() {  # name port key balance [extra flags...]
  local name=$1 port=$2 key=$3 balance=$4
  shift 4
  "$mock" --port "$port" --key "$key" --balance "$balance" --seed "$port" \
    --catalogue "$root/tools/demo/catalogue-$name.toml" "${common[@]}" "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
}
start_mock alpha 18081 demo-key-1 1000 --fault reset,action=add,count=2 --fault http_5xx,action=status,rate=0.1
start_mock beta 18082 demo-key-2 1000 --fault http_5xx,action=status,rate=0.1
start_mock gamma 18083 demo-key-3 3.50

# Wait (at most 10 s) for each mock's "listening" line; a mock that exits early failed.
for name in alpha beta gamma; do
  for ((i = 0; ; i++)); do
    grep -q "listening on" "$tmp/$name.log" 2>/dev/null && break
    if ((i >= 100)) || ! kill -0 "${pids[@]}" 2>/dev/null; then
      echo "demo.sh: mock $name did not start:" >&2
      cat "$tmp/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done
echo "demo.sh: mocks alpha, beta, gamma listening on 127.0.0.1:18081..18083" >&2

# In the background with `wait`, so a Ctrl-C or TERM runs the traps at once (bash would
# otherwise wait for a foreground child first); the traps stop smm-demo too.
"$demo" --config "$config" --count "$count" "${extra[@]}" &
pids=("$!" "${pids[@]}")
set +e
wait "${pids[0]}"
rc=$?
set -e
stop_mocks
exit "$rc"
