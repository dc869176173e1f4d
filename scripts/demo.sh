#!/usr/bin/env bash
# make demo: smm-dispatchd end to end on loopback, fed like a panel would feed it.
#   scripts/demo.sh BUILD_DIR [COUNT [SMM-DEMO FLAGS...]]   (COUNT also SMM_DEMO_COUNT; default 3000)
#   e.g. scripts/demo.sh build/release 500 --batch 50
# Environment: SMM_DEMO_PORTS="A B G" fixed mock ports (default: each mock picks a free one);
# SMM_DEMO_KEEP=1 keeps the temp dir (config copy, journal, logs); SMM_DEMO_JOURNAL_DSN=<libpq
# connection string> journals on that PostgreSQL database instead of the SQLite file.
#
# Checks config/examples/demo.toml, starts three mock providers (alpha, beta, gamma), writes a
# copy of the config into a fresh temp dir (socket, journal and mock ports rewritten, so two runs
# never clash), starts smm-dispatchd on it, waits for the panel socket, runs smm-demo as a panel
# client, then stops the daemon with SIGTERM (it must exit 0) and the mocks. Everything started
# here is stopped on any exit, Ctrl-C included. Exit code: smm-demo's, or 1 if the daemon failed.
set -euo pipefail

build=${1:?usage: scripts/demo.sh BUILD_DIR [COUNT [SMM-DEMO FLAGS...]]}
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
read -r -a fixed_ports <<<"${SMM_DEMO_PORTS:-0 0 0}"

"$daemon" --check-config "$config" >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smm-demo.XXXXXX")
mock_pids=()
daemon_pid=
stop_all() {
  local pid
  [[ -n $daemon_pid ]] && kill -TERM "$daemon_pid" 2>/dev/null
  for pid in "${mock_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  [[ -n $daemon_pid ]] && { wait "$daemon_pid" 2>/dev/null || true; }
  for pid in "${mock_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  mock_pids=()
  daemon_pid=
}
cleanup() {
  stop_all
  if [[ ${SMM_DEMO_KEEP:-0} == 1 ]]; then echo "demo.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Quick and eventful: orders finish within about a second of being placed, one in ten ends
# Partial, one in twenty is canceled; gamma refuses a quarter of its adds as "Incorrect service
# ID", so the daemon moves those orders to the route's next hop (or rejects them with a full
# refund when there is none: the package); alpha loses the answer to its first two adds
# (unknown: counted, never resent); alpha and beta answer 10% of status calls with a 503 (the
# client retries them). A provider out of funds would be paused and its orders held until it
# has money again, which a bounded demo cannot show to the end, so every mock has enough.
common=(--bind 127.0.0.1 --speed 20000 --pending-ms 100 --partial-prob 0.1 --cancel-prob 0.05)
start_mock() {  # name port key balance [extra flags...]
  local name=$1 port=$2 key=$3 balance=$4
  shift 4
  "$mock" --port "$port" --key "$key" --balance "$balance" --seed 1808"${#mock_pids[@]}" \
    --catalogue "$root/tools/demo/catalogue-$name.toml" "${common[@]}" "$@" >"$tmp/$name.log" 2>&1 &
  mock_pids+=($!)
}
start_mock alpha "${fixed_ports[0]}" demo-key-1 100000 --fault reset,action=add,count=2 \
  --fault http_5xx,action=status,rate=0.1
start_mock beta "${fixed_ports[1]}" demo-key-2 100000 --fault http_5xx,action=status,rate=0.1
start_mock gamma "${fixed_ports[2]}" demo-key-3 100000 \
  --fault "error,action=add,rate=0.25,message=Incorrect service ID"

# Wait (at most 10 s) for each mock's "listening on 127.0.0.1:PORT" line; an early exit failed.
declare -A port
for name in alpha beta gamma; do
  for ((i = 0; ; i++)); do
    port[$name]=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.log" 2>/dev/null | head -n1)
    [[ -n ${port[$name]} ]] && break
    if ((i >= 100)) || ! kill -0 "${mock_pids[@]}" 2>/dev/null; then
      echo "demo.sh: mock $name did not start:" >&2
      cat "$tmp/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done
echo "demo.sh: mocks alpha, beta, gamma on 127.0.0.1:${port[alpha]}, ${port[beta]}, ${port[gamma]}" >&2

# The config copy: this run's ports and paths; info logs (debug logs every order); no fixed TCP
# listeners, so two runs (make demo and its ctest) never clash.
mkdir -p "$tmp/daemon"
sed -e "s|/tmp/smm-dispatchd-demo/|$tmp/daemon/|g" \
  -e "s|127\.0\.0\.1:18081/|127.0.0.1:${port[alpha]}/|" \
  -e "s|127\.0\.0\.1:18082/|127.0.0.1:${port[beta]}/|" \
  -e "s|127\.0\.0\.1:18083/|127.0.0.1:${port[gamma]}/|" \
  -e 's|^log_level = .*|log_level = "info"|' \
  -e 's|^metrics_listen = .*|metrics_listen = ""|' -e '/^http_listen = /d' \
  "$config" >"$tmp/demo.toml"
# SMM_DEMO_JOURNAL_DSN: journal on that PostgreSQL database instead of the SQLite file.
if [ -n "${SMM_DEMO_JOURNAL_DSN:-}" ]; then
  printf '\n[journal]\nbackend = "postgresql"\ndsn_env = "SMM_DEMO_JOURNAL_DSN"\n' >>"$tmp/demo.toml"
fi
chmod 600 "$tmp/demo.toml"  # it holds keys: readable by others, the daemon would warn
"$daemon" --check-config "$tmp/demo.toml" >/dev/null
socket=$tmp/daemon/panel.sock

"$daemon" --config "$tmp/demo.toml" >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
for ((i = 0; ; i++)); do
  [[ -S $socket ]] && break
  if ((i >= 100)) || ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "demo.sh: smm-dispatchd did not open $socket:" >&2
    tail -n 30 "$tmp/daemon.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "demo.sh: smm-dispatchd (pid $daemon_pid) listening on $socket" >&2

# In the background with `wait`, so a Ctrl-C or TERM runs the traps at once (bash would
# otherwise wait for a foreground child first).
"$demo" --config "$tmp/demo.toml" --count "$count" "${extra[@]}" &
demo_pid=$!
set +e
wait "$demo_pid"
rc=$?
set -e

# SIGTERM drains the daemon; it must exit 0 within its own 10 s stop bound (15 s here).
kill -TERM "$daemon_pid"
for ((i = 0; i < 150; i++)); do
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$daemon_pid" 2>/dev/null; then
  echo "demo.sh: smm-dispatchd did not stop within 15 s of SIGTERM: killing it" >&2
  kill -KILL "$daemon_pid"
fi
set +e
wait "$daemon_pid"
daemon_rc=$?
set -e
daemon_pid=
if ((daemon_rc != 0)); then
  echo "demo.sh: smm-dispatchd exited $daemon_rc after SIGTERM; its log ends:" >&2
  tail -n 30 "$tmp/daemon.log" >&2
  ((rc == 0)) && rc=1
else
  echo "demo.sh: smm-dispatchd stopped on SIGTERM (exit 0)" >&2
fi
if ((rc != 0)); then
  echo "demo.sh: smm-demo exited $rc; the daemon's log ends:" >&2
  tail -n 20 "$tmp/daemon.log" >&2
fi
stop_all
exit "$rc"
