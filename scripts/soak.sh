#!/usr/bin/env bash
# Soak: smm-dispatchd at half its capacity for a long time, RSS and open descriptors sampled every
# minute; both must stay flat. Not part of CI (it takes SOAK_MINUTES, default 30).
#   scripts/soak.sh BUILD_DIR            (SOAK_MINUTES=30, SOAK_RATE=<orders/s> to skip the probe,
#                                          SOAK_CSV=<file> for the samples, default BUILD_DIR/soak.csv)
# 1. Probe: SOAK_PROBE orders (default 20000) as fast as answered, timed until every one is final:
#    the capacity (intake, placement and polling together) in orders/s.
# 2. SOAK_MINUTES one-minute rounds of smm-loadgen at half that rate, each followed by a sample:
#    the daemon's VmRSS, its open descriptors, its open orders (smm-dispatchctl status).
# 3. The verdict: RSS of the last third against the middle third (at most +10%), descriptors at
#    the end against the first sample (at most +8), open orders back near zero. Exit 1 otherwise.
# Everything runs on loopback; every step is bounded in count and time.
set -euo pipefail

build=${1:?usage: scripts/soak.sh BUILD_DIR}
build=$(cd "$build" && pwd)
minutes=${SOAK_MINUTES:-30}
probe=${SOAK_PROBE:-20000}
csv=${SOAK_CSV:-$build/soak.csv}
mock=$build/tools/mockprovider/smm-mockprovider
daemon=$build/daemon/smm-dispatchd
loadgen=$build/tools/loadgen/smm-loadgen
ctl=$build/tools/dispatchctl/smm-dispatchctl
for bin in "$mock" "$daemon" "$loadgen" "$ctl"; do
  [[ -x $bin ]] || { echo "soak.sh: $bin is missing: build first" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smm-soak.XXXXXX")
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
name = "Soak Likes"
type = "Default"
category = "Soak"
rate = "0.01"
min = 10
max = 100000
TOML
# Orders complete at once, so the open set stays small and what grows is only what leaks.
: >"$tmp/mock.log"  # exists before the loop below reads it
"$mock" --port 0 --bind 127.0.0.1 --key soak-key --balance 1000000000000 --catalogue "$tmp/catalogue.toml" \
  --speed 1000000 --pending-ms 0 >"$tmp/mock.log" 2>&1 &
mock_pid=$!
port=
for ((i = 0; i < 100; i++)); do
  port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/mock.log" | head -n1)
  [[ -n $port ]] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $port ]] || { echo "soak.sh: the mock did not start:" >&2; cat "$tmp/mock.log" >&2; exit 1; }

cat >"$tmp/soak.toml" <<TOML
[daemon]
socket_path = "$tmp/panel.sock"
admin_socket_path = "$tmp/admin.sock"
journal_path = "$tmp/journal.sqlite"
log_level = "warn"

[[providers]]
name = "mock"
api_url = "http://127.0.0.1:$port/api/v2"
key = "soak-key"
max_in_flight = 64
requests_per_second = 10000
status_poll_interval_s = 1

[[services]]
id = 1
name = "Soak Likes"
type = "default"
rate = "0.10"
min = 10
max = 100000
route = [{ provider = "mock", service = 1 }]

[policy]
duplicate_link = "reject"
TOML
chmod 600 "$tmp/soak.toml"  # it holds a key: readable by others, the daemon would warn
"$daemon" --check-config "$tmp/soak.toml" >/dev/null
"$daemon" --config "$tmp/soak.toml" >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
for ((i = 0; ; i++)); do
  [[ -S $tmp/panel.sock && -S $tmp/admin.sock ]] && break
  if ((i >= 100)) || ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "soak.sh: smm-dispatchd did not start:" >&2
    tail -n 20 "$tmp/daemon.log" >&2
    exit 1
  fi
  sleep 0.1
done

open_orders() { "$ctl" --socket "$tmp/admin.sock" --json status | sed -n 's/.*"open":\([0-9]*\).*/\1/p'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status"; }
fds() { find "/proc/$daemon_pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
wait_drained() {  # at most $1 seconds until no order is open; prints the seconds taken
  local start=$SECONDS
  while (($(open_orders) > 0)); do
    ((SECONDS - start < $1)) || break
    sleep 0.2
  done
  echo $((SECONDS - start))
}
lg=("$loadgen" --socket "$tmp/panel.sock" --connections 4 --batch 10 --json)

rate=${SOAK_RATE:-}
if [[ -z $rate ]]; then
  echo "== probe: $probe orders as fast as answered, timed until all are final" >&2
  t0=$(date +%s.%N)
  timeout 120 "${lg[@]}" --count "$probe" --max-seconds 60 --id-prefix "probe-" >/dev/null 2>>"$tmp/loadgen.log"
  wait_drained 120 >/dev/null
  t1=$(date +%s.%N)
  capacity=$(awk -v n="$probe" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
  rate=$(awk -v c="$capacity" 'BEGIN { r = int(c / 2); print (r < 1 ? 1 : r) }')
  echo "capacity ${capacity} orders/s end to end; soaking at ${rate} orders/s" >&2
fi

echo "minute,rss_kib,fds,open_orders,accepted,p99_ms" >"$csv"
printf '%6s %10s %6s %8s %9s %8s\n' minute rss_kib fds open accepted p99_ms
per_round=$((rate * 60))
for ((m = 1; m <= minutes; m++)); do
  out=$(timeout 90 "${lg[@]}" --rate "$rate" --count "$per_round" --max-seconds 60 --id-prefix "soak-$m-" 2>>"$tmp/loadgen.log" ||
    true)
  acked=$(sed -n 's/.*"accepted":\([0-9]*\).*/\1/p' <<<"$out")
  p99=$(sed -n 's/.*"p99":\([0-9.]*\).*/\1/p' <<<"$out")
  kill -0 "$daemon_pid" 2>/dev/null || { echo "soak.sh: the daemon died in minute $m" >&2; exit 1; }
  row=("$m" "$(rss_kib)" "$(fds)" "$(open_orders)" "${acked:-0}" "${p99:-?}")
  printf '%6s %10s %6s %8s %9s %8s\n' "${row[@]}"
  (IFS=,; echo "${row[*]}") >>"$csv"
done

drain=$(wait_drained 120)
final_open=$(open_orders)
kill -TERM "$daemon_pid"
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=

# Flat: the last third's peak RSS within 10% of the middle third's, descriptors within 8 of the start.
verdict=$(awk -F, -v n="$minutes" 'NR > 1 {
    m = $1; if (m > n / 3 && m <= 2 * n / 3 && $2 > mid) mid = $2; if (m > 2 * n / 3 && $2 > last) last = $2
    if (m == 1) fd0 = $3; fdn = $3 }
  END { growth = mid > 0 ? (last - mid) / mid : 0
        printf "rss middle-third peak %d KiB, last-third peak %d KiB (%+.1f%%); fds %d -> %d; ", mid, last, growth * 100, fd0, fdn
        print ((growth <= 0.10 && fdn - fd0 <= 8) ? "flat" : "GROWING") }' "$csv")
echo
echo "soak: $minutes minutes at $rate orders/s; samples in $csv"
echo "soak: $verdict"
echo "soak: open orders after the last round: $final_open (drained in ${drain}s); daemon exit on SIGTERM: $rc"
[[ $verdict == *flat && $final_open -eq 0 && $rc -eq 0 ]]
