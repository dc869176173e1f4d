#!/usr/bin/env bash
# Client requests/s vs wrk against the same zero-latency mock, in the same run. Loopback only,
# bounded: wrk runs a fixed 5 s, the client a fixed request count.
# usage: bench/providers_client/load_vs_wrk.sh BUILD_DIR [requests=20000] [concurrency=16]
set -euo pipefail
build=${1:?build dir}
requests=${2:-20000}
conc=${3:-16}
mock="$build/tools/mockprovider/smm-mockprovider"
load="$build/bench/providers_client/providers_client_load"
out=$(mktemp)
"$mock" --port 0 --key key-0 --latency fixed:0 --threads 1 --balance 1000000 >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out" "$out.lua"' EXIT
for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
addr=$(sed -n 's/^listening on //p' "$out" | head -1)
case "$addr" in 127.*) ;; *) echo "mock not on loopback: $addr" >&2; exit 1 ;; esac
cat >"$out.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "key=key-0&action=balance"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
wrk_line=$(timeout 30 wrk -t1 -c"$conc" -d5s -s "$out.lua" "http://$addr/api/v2" | grep "Requests/sec")
wrk_rps=$(echo "$wrk_line" | awk '{print $2}')
client_line=$(timeout 120 "$load" "http://$addr/api/v2" "$requests" "$conc")
client_rps=$(echo "$client_line" | sed -n 's/.*= \([0-9.]*\) req\/s.*/\1/p')
echo "wrk:    $wrk_rps req/s (1 thread, $conc connections, 5 s)"
echo "$client_line"
awk -v c="$client_rps" -v w="$wrk_rps" 'BEGIN { printf "ratio client/wrk: %.2f\n", c / w }'
