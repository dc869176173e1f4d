#!/usr/bin/env bash
# Intake throughput and latency of smm-dispatchd through its panel socket, end to end.
#   scripts/bench-intake.sh BUILD_DIR [COUNT]     (COUNT default 20000; SMM_LOADGEN_FLAGS extra flags)
# Starts one mock provider (huge balance, no latency, so placement keeps up and never stalls
# intake) and, per phase, smm-dispatchd on a config and journal in a fresh temp dir, then runs
# smm-loadgen:
#   1. as fast as the daemon answers (4 connections, 10 orders per add line): orders acked/s;
#   2. at half that rate: acknowledgement latency p50/p90/p99/max;
# and, as a baseline in the same run, the store journal bench's single-order commit rate
# (one transaction + fsync per order; BUILD_DIR/bench/store/store_journal_bench, if built).
# Every step is bounded: the whole script ends within about a minute.
set -euo pipefail

build=${1:?usage: scripts/bench-intake.sh BUILD_DIR [COUNT]}
count=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
mock=$build/tools/mockprovider/smm-mockprovider
daemon=$build/daemon/smm-dispatchd
loadgen=$build/tools/loadgen/smm-loadgen
journal_bench=$build/bench/store/store_journal_bench
for bin in "$mock" "$daemon" "$loadgen"; do
  [[ -x $bin ]] || { echo "bench-intake.sh: $bin is missing: build first" >&2; exit 1; }
done
read -r -a flags <<<"${SMM_LOADGEN_FLAGS:-}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smm-bench-intake.XXXXXX")
mock_pid= daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && { kill -TERM "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; }
  [[ -n $mock_pid ]] && { kill -TERM "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$tmp/catalogue.toml" <<'TOML'
[[service]]
service = 1
name = "Bench Likes"
type = "Default"
category = "Bench"
rate = "0.01"
min = 10
max = 100000
TOML
"$mock" --port 0 --bind 127.0.0.1 --key bench-key --balance 1000000000 --catalogue "$tmp/catalogue.toml" \
  --speed 1000000 --pending-ms 0 >"$tmp/mock.log" 2>&1 &
mock_pid=$!
port=
for ((i = 0; i < 100; i++)); do
  port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/mock.log" | head -n1)
  [[ -n $port ]] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $port ]] || { echo "bench-intake.sh: the mock did not start:" >&2; cat "$tmp/mock.log" >&2; exit 1; }

# One daemon per phase, each on a fresh journal, so the second phase does not share the
# daemon with the first phase's placements still draining.
write_config() {  # dir
  mkdir -p "$1"
  cat >"$1/bench.toml" <<TOML
[daemon]
socket_path = "$1/panel.sock"
journal_path = "$1/journal.sqlite"
log_level = "warn"
panel_keys = [{ name = "bench", key = "bench-panel-key" }]

[[providers]]
name = "mock"
api_url = "http://127.0.0.1:$port/api/v2"
key = "bench-key"
max_in_flight = 64
requests_per_second = 10000
status_poll_interval_s = 60

[[services]]
id = 1
name = "Bench Likes"
type = "default"
rate = "0.10"
min = 10
max = 100000
route = [{ provider = "mock", service = 1 }]

[policy]
duplicate_link = "reject"
TOML
  "$daemon" --check-config "$1/bench.toml" >/dev/null
}
daemon_rcs=()
start_daemon() {  # dir
  write_config "$1"
  "$daemon" --config "$1/bench.toml" >"$1/daemon.log" 2>&1 &
  daemon_pid=$!
  for ((i = 0; ; i++)); do
    [[ -S $1/panel.sock ]] && break
    if ((i >= 100)) || ! kill -0 "$daemon_pid" 2>/dev/null; then
      echo "bench-intake.sh: smm-dispatchd did not start:" >&2
      tail -n 20 "$1/daemon.log" >&2
      exit 1
    fi
    sleep 0.1
  done
}
stop_daemon() {  # SIGTERM; the exit code is kept (it must be 0)
  kill -TERM "$daemon_pid"
  set +e
  wait "$daemon_pid"
  daemon_rcs+=($?)
  set -e
  daemon_pid=
}

json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
lg=(timeout 40 "$loadgen" --connections 4 --batch 10 --json "${flags[@]}")

start_daemon "$tmp/full"
echo "== throughput: $count orders as fast as answered" >&2
full=$("${lg[@]}" --socket "$tmp/full/panel.sock" --count "$count" --max-seconds 20)
stop_daemon
echo "$full"
acked=$(json_field acked_per_s "$full")
half=$(awk -v a="$acked" 'BEGIN { r = int(a / 2); print (r < 1 ? 1 : r) }')
# About 8 s at half rate, at most COUNT orders.
half_count=$(awk -v h="$half" -v c="$count" 'BEGIN { n = h * 8; print (n > c ? c : (n < 1 ? 1 : n)) }')

start_daemon "$tmp/half"
echo "== latency: $half_count orders at $half orders/s (half the measured throughput)" >&2
paced=$("${lg[@]}" --socket "$tmp/half/panel.sock" --count "$half_count" --rate "$half" --max-seconds 15)
stop_daemon
echo "$paced"

baseline=
if [[ -x $journal_bench ]]; then
  echo "== baseline: store_journal_bench commit_per_order (one transaction + fsync per order)" >&2
  bench_out=$(cd "$tmp" && timeout 30 "$journal_bench" --benchmark_filter=commit_per_order \
    --benchmark_min_time=1 --benchmark_format=json 2>/dev/null || true)
  baseline=$(sed -n 's/.*"items_per_second": *\([0-9.e+]*\).*/\1/p' <<<"$bench_out" | head -n1)
fi

echo
echo "intake, max:      $(sed -n 's/.*"acked_per_s":\([0-9.]*\).*/\1/p' <<<"$full") orders acked/s" \
  "(p50 $(json_field p50 "$full") ms, p99 $(json_field p99 "$full") ms under full load)"
echo "intake, half:     target $half/s: ack latency p50 $(json_field p50 "$paced") ms," \
  "p90 $(json_field p90 "$paced") ms, p99 $(json_field p99 "$paced") ms, max $(json_field max "$paced") ms"
if [[ -n $baseline ]]; then
  echo "baseline:         $(awk -v b="$baseline" 'BEGIN { printf "%.0f", b }') single-order commits/s" \
    "(store_journal_bench commit_per_order)"
  echo "ratio:            $(awk -v a="$acked" -v b="$baseline" 'BEGIN { printf "%.1f", a / b }')x" \
    "the single-order commit rate"
else
  echo "baseline:         $journal_bench not built (cmake --build $build --target store_journal_bench)"
fi
echo "daemon exits on SIGTERM: ${daemon_rcs[*]}"
for rc in "${daemon_rcs[@]}"; do ((rc == 0)); done
