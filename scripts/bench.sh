#!/usr/bin/env bash
# make bench: every figure of bench/RESULTS.md, each with its baseline measured in the same run
# (compare ratios, not absolute figures: the machines are shared and noisy).
#   scripts/bench.sh BUILD_DIR [ROW...]     (a Release build: make bench does it)
# Rows (bench/RESULTS.md):
#   1 durable intake, nothing dispatched, vs raw SQLite (6 columns, WAL, synchronous=FULL,
#     1000-row transactions)           2 ack latency at half of row 1's rate
#   3 placement, 20 providers x 32 in flight x 50 ms, vs the bound 20 * 32 / 0.05 s
#   4 the same placement while intake runs flat out, vs row 3
#   5 daemon CPU per placement (row 3)  6 RSS per open order, 1M placed orders recovered
#   7 provider client vs wrk            8 domain hot path vs a plain sum
#   9 the daemon's placement vs PHP-cron-style placement (bench/cron_baseline)
# With no ROW it runs all of them, and the Google Benchmark programs in full, and writes
# bench/RESULTS.md; with ROWs only what they need, into BUILD_DIR/bench-results-partial.md
# (SMM_BENCH_OUT overrides either). Each phase runs as its own process under `timeout`, every
# load is bounded in count and time, and all traffic stays on loopback: the whole suite ends in
# under 10 minutes, a phase that fails or overruns leaves its rows "not measured".
# SMM_BENCH_DIR: where the journals live (default BUILD_DIR: a real disk, not tmpfs);
# SMM_BENCH_OPEN_ORDERS: row 6's open orders (1000000).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
self=$root/scripts/bench.sh
build=${1:?usage: scripts/bench.sh BUILD_DIR [ROW...]}
build=$(cd "$build" && pwd)
shift

mock=$build/tools/mockprovider/smm-mockprovider
daemon=$build/daemon/smm-dispatchd
loadgen=$build/tools/loadgen/smm-loadgen
ctl=$build/tools/dispatchctl/smm-dispatchctl
fill=$build/bench/daemon_engine/open_orders_fill
cron=$build/bench/cron_baseline/cron_baseline
gbenches=(dispatch/dispatch_hot_path_bench providers/providers_parse_bench store/store_journal_bench)

# ---------------------------------------------------------------- helpers of every phase
work=${SMM_BENCH_WORK:-}
pids=()
wait_bounded() {  # PID SECONDS: reaps a child that ends within SECONDS, else SIGKILLs it first
  local i st
  for ((i = 0; i < $2 * 10; i++)); do
    st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [[ -z $st || $st == Z ]] && break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null
}
stop_all() {  # SIGTERM what this process started, newest first
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    [[ -n ${pids[i]} ]] || continue
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait_bounded "${pids[i]}" 20 || true
  done
  pids=()
}
say() { echo "bench.sh: $*" >&2; }
result() { echo "$1=$2" >>"$work/results"; }  # ROW.KEY VALUE
note() {                                       # ROW CMD...: the command as run, for RESULTS.md
  local row=$1 line="" a
  shift
  for a in "$@"; do  # quoted only where the shell needs it; "# ..." is a comment, as is
    [[ $a =~ ^[][A-Za-z0-9_./:=,+@%^-]+$ || $a == "&" || $a == "#"* ]] && line+="$a " || line+="'$a' "
  done
  line=${line//$work/\$WORK}
  printf '%s\t%s\n' "$row" "${line% }" >>"$work/commands"
}
jnum() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9.e+]*\).*/\1/p" <<<"$2" | head -n1; }  # KEY JSON
calc() { awk "BEGIN { printf \"$1\", $2 }"; }                                         # FORMAT EXPR

# `listening on 127.0.0.1:PORT` lines of a mock's log, N of them within 10 s.
mock_ports() {  # LOG N PID
  local i ports
  for ((i = 0; i < 100; i++)); do
    ports=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$1" | tr '\n' ' ')
    (($(wc -w <<<"$ports") >= $2)) && { echo "${ports% }"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  say "the mock did not start:"
  cat "$1" >&2
  return 1
}

# A daemon config in DIR: providers "NAME URL" pairs from stdin, service i+1 routed to the
# i-th provider; every socket in DIR, no metrics port.
write_config() {  # DIR JOURNAL POLL_INTERVAL_S
  local dir=$1 i=0 name url
  mkdir -p "$dir"
  {
    cat <<TOML
[daemon]
socket_path = "$dir/panel.sock"
admin_socket_path = "$dir/admin.sock"
api_socket_path = "$dir/api.sock"
metrics_listen = ""
journal_path = "$2"
log_level = "warn"

[policy]
duplicate_link = "reject"
TOML
    while read -r name url; do
      cat <<TOML

[[providers]]
name = "$name"
api_url = "$url"
key = "key-$i"
max_in_flight = 32
requests_per_second = 10000
status_poll_interval_s = $3

[[services]]
id = $((i + 1))
name = "Bench $i"
type = "default"
rate = "0.10"
min = 10
max = 100000
route = [{ provider = "$name", service = 1 }]
TOML
      i=$((i + 1))
    done
  } >"$dir/bench.toml"
  chmod 600 "$dir/bench.toml"  # it holds keys
  "$daemon" --check-config "$dir/bench.toml" >/dev/null
}

daemon_pid=
start_daemon() {  # DIR WAIT_S: up once its admin socket exists (after recovery)
  local i
  rm -f "$1"/*.sock
  "$daemon" --config "$1/bench.toml" >>"$1/daemon.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  for ((i = 0; i < $2 * 10; i++)); do
    [[ -S $1/admin.sock && -S $1/panel.sock ]] && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "smm-dispatchd did not start within $2 s:"
  tail -n 20 "$1/daemon.log" >&2
  return 1
}
stop_daemon() {  # SIGTERM; it must exit 0 within 60 s
  local rc=0
  kill -TERM "$daemon_pid"
  wait_bounded "$daemon_pid" 60 || rc=$?
  pids=("${pids[@]/$daemon_pid/}")
  daemon_pid=
  ((rc == 0)) || { say "smm-dispatchd exited $rc on SIGTERM"; return 1; }
}
ctl_all() {  # DIR pause|resume NAME...: one smm-dispatchctl call per provider
  local dir=$1 op=$2 name
  shift 2
  for name in "$@"; do
    timeout 10 "$ctl" --socket "$dir/admin.sock" --timeout 5 "$op" "$name" >/dev/null
  done
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_s() {  # PID: utime + stime in seconds (fields 14 and 15, counted after the name's ')')
  sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }'
}

# ---------------------------------------------------------------- phases (each its own process)
phase_gbench() {  # the Google Benchmark programs; rows 1 (baseline) and 8
  local b bin name
  for b in "${gbenches[@]}"; do
    bin=$build/bench/$b
    name=$(basename "$b")
    [[ -x $bin ]] || { say "$bin is not built"; return 1; }
    echo "== $b"
    note gbench "$bin" --benchmark_min_time=0.5
    (cd "$work" && SMM_BENCH_DIR=$work timeout 150 "$bin" --benchmark_min_time=0.5 \
      --benchmark_out="$work/$name.json" --benchmark_out_format=json)
  done
  items() {  # FILE BENCHMARK: its items_per_second
    awk -v want="\"name\": \"$2\"," 'index($0, want) { on = 1 } on && /"items_per_second"/ {
      gsub(/[^0-9.e+]/, "", $2); print $2; exit }' "$1"
  }
  result 1.base "$(items "$work/store_journal_bench.json" BM_raw_sqlite_rows/real_time)"
  # The journal alone (no socket, no engine), 2 submitters of 100-order batches: the bound the
  # daemon's intake cannot pass, whatever the engine costs.
  result 1.journal "$(items "$work/store_journal_bench.json" BM_group_commit/100/2/real_time)"
  result 8.fig "$(items "$work/dispatch_hot_path_bench.json" BM_hot_path)"
  result 8.base "$(items "$work/dispatch_hot_path_bench.json" BM_baseline_sum)"
  note 1 "SMM_BENCH_DIR=$work" "$build/bench/store/store_journal_bench" \
    "--benchmark_filter='BM_raw_sqlite_rows|BM_group_commit/100/2'" --benchmark_min_time=0.5
  note 8 "$build/bench/dispatch/dispatch_hot_path_bench" "--benchmark_filter=BM_baseline_sum|BM_hot_path\$"
}

phase_intake() {  # rows 1 and 2: intake with its only provider paused, so nothing is dispatched
  local dir out rate count lg
  lg=(--connections 4 --batch 100 --json)
  dir=$work/intake-max
  echo "idle http://127.0.0.1:1/api/v2" | write_config "$dir" "$dir/journal.sqlite" 300
  start_daemon "$dir" 30
  ctl_all "$dir" pause idle
  note 1 "$ctl" --socket "$dir/admin.sock" pause idle
  note 1 "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count 300000 --max-seconds 12 --daemon-pid PID
  out=$(timeout 40 "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count 300000 --max-seconds 12 \
    --daemon-pid "$daemon_pid")
  stop_daemon
  result 1.fig "$(jnum acked_per_s "$out")"
  result 1.p99 "$(jnum p99 "$out")"
  result 1.cpu "$(jnum cpu_s_per_1000_acked "$out")"
  rate=$(calc %d "int($(jnum acked_per_s "$out") / 2)")
  ((rate >= 1)) || { say "row 1 acked nothing"; return 1; }
  count=$(calc %d "($rate * 8 > 300000 ? 300000 : $rate * 8)")  # about 8 s at half rate
  dir=$work/intake-half
  echo "idle http://127.0.0.1:1/api/v2" | write_config "$dir" "$dir/journal.sqlite" 300
  start_daemon "$dir" 30
  ctl_all "$dir" pause idle
  note 2 "$ctl" --socket "$dir/admin.sock" pause idle
  note 2 "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count "$count" --rate "$rate" --max-seconds 12
  out=$(timeout 40 "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count "$count" --rate "$rate" \
    --max-seconds 12)
  stop_daemon
  result 2.rate "$rate"
  result 2.p50 "$(jnum p50 "$out")"
  result 2.p90 "$(jnum p90 "$out")"
  result 2.p99 "$(jnum p99 "$out")"
  result 2.max "$(jnum max "$out")"
}

# A fresh daemon on the fleet with a backlog: every provider paused, BACKLOG orders taken in
# (spread over the 20 services), then smm-loadgen ARGS started (sampling the placed counter
# every 50 ms, the daemon's CPU with it) and every provider resumed. Its JSON goes to OUT;
# the fleet's CPU time meanwhile to ROW.mock_cpu.
backlog=64000
placement_run() {  # ROW OUT ARGS...
  local row=$1 out=$2 dir=$work/placement-$1 run_pid cpu0
  shift 2
  local lg=(--connections 4 --batch 100 --service 1 --service-spread 20 --json)
  write_config "$dir" "$dir/journal.sqlite" 300 <"$work/fleet.providers"
  start_daemon "$dir" 30
  ctl_all "$dir" pause "${names[@]}"
  # Links unique to the run: the fleet still runs an earlier row's orders (they never finish),
  # and a provider refuses a second active order on a link ("active order with this link").
  timeout 60 "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count "$backlog" --max-seconds 30 \
    --id-prefix backlog- --link-prefix "https://instagram.com/row$row-backlog-" >/dev/null
  set -- --admin-socket "$dir/admin.sock" --poll-ms 50 --json "${@//PANEL/$dir/panel.sock}"
  timeout 60 "$loadgen" "$@" --daemon-pid "$daemon_pid" >"$out" &
  run_pid=$!
  cpu0=$(cpu_s "$mock_pid")
  sleep 0.3  # the run's first sample precedes the resumes
  ctl_all "$dir" resume "${names[@]}"
  wait "$run_pid" || say "row $row: smm-loadgen ended with an error"
  result "$row.mock_cpu" "$(calc %.1f "$(cpu_s "$mock_pid") - $cpu0")"
  note "$row" "$ctl" --socket "$dir/admin.sock" pause p0 ... p19
  note "$row" "$loadgen" --socket "$dir/panel.sock" "${lg[@]}" --count "$backlog" --max-seconds 30 --id-prefix backlog- \
    --link-prefix "https://instagram.com/row$row-backlog-"
  note "$row" "$loadgen" "$@" --daemon-pid PID "&" "$ctl" --socket "$dir/admin.sock" resume p0 ... p19
  stop_daemon
}

phase_placement() {  # rows 3, 4, 5 and 9 on one mock fleet of 20 providers, 50 ms per answer
  local ports out i=0 p r mock_pid names=()
  # The mock's built-in catalogue: service 1 takes quantities 50..10000.
  local mock_args=(--fleet 20 --port 0 --bind 127.0.0.1 --latency fixed:50 --threads 2 --speed 0
    --balance 1000000000000)
  "$mock" "${mock_args[@]}" >"$work/fleet.log" 2>&1 &
  mock_pid=$!
  pids+=("$mock_pid")
  ports=$(mock_ports "$work/fleet.log" 20 "$mock_pid")
  for r in 3 4 9; do note "$r" "$mock" "${mock_args[@]}"; done
  for p in $ports; do
    echo "p$i http://127.0.0.1:$p/api/v2"
    names+=("p$i")
    i=$((i + 1))
  done >"$work/fleet.providers"

  # Row 9: the cron baseline first, on the fresh fleet.
  note 9 "$cron" --ports "${ports// /,}" --orders 400 --workers 4 --max-seconds 20
  out=$(timeout 60 "$cron" --ports "${ports// /,}" --orders 400 --workers 4 --max-seconds 20) ||
    say "cron_baseline reported errors: $out"
  result 9.base "$(jnum placed_per_s "$out")"

  # Rows 3 and 5: no intake meanwhile; placed orders/s from the first placement to the last of
  # the backlog.
  placement_run 3 "$work/row3.json" --count 0 --placed-target "$backlog" --max-seconds 30
  out=$(cat "$work/row3.json")
  result 3.fig "$(jnum placed_per_s "$out")"
  result 3.placed "$(jnum placed "$out")"
  result 3.seconds "$(jnum placement_seconds "$out")"
  result 5.cpu1000 "$(jnum cpu_s_per_1000_placed "$out")"

  # Row 4: intake flat out for 8 s meanwhile; placed orders/s over the intake's run.
  placement_run 4 "$work/row4.json" --socket PANEL --connections 4 --batch 100 --service 1 --service-spread 20 \
    --count 1000000 --max-seconds 8 --link-prefix https://instagram.com/row4-intake-
  out=$(cat "$work/row4.json")
  result 4.fig "$(jnum placed_per_s "$out")"
  result 4.acked "$(jnum acked_per_s "$out")"
  stop_all
}

phase_memory() {  # row 6: VmRSS with N placed orders recovered, minus VmRSS on an empty journal
  local n=${SMM_BENCH_OPEN_ORDERS:-1000000} dir empty full
  dir=$work/memory
  # Nothing listens on 127.0.0.1:1: the orders never finish; polls are days apart.
  echo "idle http://127.0.0.1:1/api/v2" | write_config "$dir" "$dir/empty.sqlite" 86400
  start_daemon "$dir" 30
  sleep 1
  empty=$(rss_kib "$daemon_pid")
  stop_daemon
  note 6 "$fill" --journal "$dir/full.sqlite" --count "$n" --provider idle --service 1
  timeout 110 "$fill" --journal "$dir/full.sqlite" --count "$n" --provider idle --service 1
  sed -i "s|$dir/empty.sqlite|$dir/full.sqlite|" "$dir/bench.toml"
  start_daemon "$dir" 90
  sleep 1
  full=$(rss_kib "$daemon_pid")
  note 6 "$daemon" --config "$dir/bench.toml" "# VmRSS 1 s after the admin socket appears: on an empty journal, then on this one"
  stop_daemon
  result 6.empty_kib "$empty"
  result 6.full_kib "$full"
  result 6.fig "$(calc %.0f "($full - $empty) * 1024 / $n")"
}

phase_client() {  # row 7
  local out
  note 7 "$root/bench/providers_client/load_vs_wrk.sh" "$build" 20000 16
  out=$(timeout 100 "$root/bench/providers_client/load_vs_wrk.sh" "$build" 20000 16)
  echo "$out"
  result 7.base "$(sed -n 's/^wrk: *\([0-9.]*\) req\/s.*/\1/p' <<<"$out")"
  result 7.fig "$(sed -n 's/.*= \([0-9.]*\) req\/s.*/\1/p' <<<"$out" | head -n1)"
}

if [[ -n ${SMM_BENCH_PHASE:-} ]]; then  # one phase, run by the driver below
  trap stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  "phase_$SMM_BENCH_PHASE"
  exit
fi

# ---------------------------------------------------------------- the driver
rows=("$@")
((${#rows[@]})) || rows=(1 2 3 4 5 6 7 8 9)
want() {
  local r
  for r in "${rows[@]}"; do [[ $r == "$1" ]] && return 0; done
  return 1
}
for bin in "$mock" "$daemon" "$loadgen" "$ctl" "$fill" "$cron"; do
  [[ -x $bin ]] || { say "$bin is missing: build first (make build)"; exit 1; }
done
if (($# == 0)); then out_file=${SMM_BENCH_OUT:-$root/bench/RESULTS.md}; else
  out_file=${SMM_BENCH_OUT:-$build/bench-results-partial.md}
fi

bench_dir=${SMM_BENCH_DIR:-$build}
work=$(mktemp -d "$bench_dir/bench-run.XXXXXX")
trap '[[ -n ${SMM_BENCH_KEEP:-} ]] || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$work/results"
: >"$work/commands"
started=$SECONDS
phase_status=()
run_phase() {  # NAME BUDGET_S
  local t0=$SECONDS rc=0 how=ok
  echo "== phase $1 (at most $2 s)" >&2
  SMM_BENCH_WORK=$work SMM_BENCH_PHASE=$1 timeout -k 10 "$2" "$self" "$build" || rc=$?
  ((rc == 0)) || how="failed (exit $rc)"
  ((rc == 124)) && how="stopped at its $2 s bound"
  phase_status+=("$1 $how in $((SECONDS - t0)) s")
  echo "== phase ${phase_status[-1]}" >&2
}
if want 1 || want 8 || (($# == 0)); then run_phase gbench 150; fi
if want 1 || want 2; then run_phase intake 75; fi
if want 3 || want 4 || want 5 || want 9; then run_phase placement 150; fi
if want 6; then run_phase memory 170; fi
if want 7; then run_phase client 60; fi
elapsed=$((SECONDS - started))

# ---------------------------------------------------------------- bench/RESULTS.md
get() { sed -n "s/^$1=//p" "$work/results" | tail -n1; }
num() { [[ $1 =~ ^-?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?$ ]]; }
per_s() {  # N: 12.3 k/s
  num "$1" || { echo "not measured"; return; }
  awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2f M/s", v / 1e6; else if (v >= 1e4) printf "%.1f k/s", v / 1e3;
    else printf "%.0f /s", v }'
}
ratio() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { exit !(b > 0) }' && calc %.3f "$1 / $2" || echo "—"; }
verdict() {  # VALUE OP LIMIT
  num "$1" || { echo "**not measured**"; return; }
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = op == ">=" ? v >= l : op == "<=" ? v <= l : v < l
    print ok ? "yes" : "**no**" }'
}
row_line() { printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }
measured() { num "$1" && echo "$2" || echo "not measured"; }  # VALUE TEXT: TEXT if VALUE is a number

r1=$(ratio "$(get 1.fig)" "$(get 1.base)")
bound=12800
r3=$(ratio "$(get 3.fig)" "$bound")
r4=$(ratio "$(get 4.fig)" "$(get 3.fig)")
us5=$(num "$(get 5.cpu1000)" && calc %.1f "$(get 5.cpu1000) * 1000" || echo "")
r7=$(ratio "$(get 7.fig)" "$(get 7.base)")
r8=$(ratio "$(get 8.fig)" "$(get 8.base)")
r9=$(ratio "$(get 3.fig)" "$(get 9.base)")
rel=${build#"$root"/}
invocation="scripts/bench.sh $rel${*:+ $*}"
{
  echo "# Benchmark results"
  echo
  echo "Written by \`$invocation\` (\`make bench\`). Every figure is set"
  echo "against a baseline measured in the same run, on the same machine: it is shared and noisy, so"
  echo "the ratios are the figures to compare across runs. \"not measured\" means the row's phase failed"
  echo "or ran out of time (see the phases below)."
  echo
  echo "| | what | measured | same-run baseline | ratio | target | met |"
  echo "|---|---|---|---|---|---|---|"
  want 1 && row_line 1 "durable intake, nothing dispatched (only provider paused), batch 100, 4 connections: orders acked/s" \
    "$(per_s "$(get 1.fig)")" "raw SQLite, 6-col rows, WAL, sync=FULL, 1000-row tx: $(per_s "$(get 1.base)"); the journal alone (no socket, no engine; its order and event rows, batch 100): $(per_s "$(get 1.journal)") = $(ratio "$(get 1.journal)" "$(get 1.base)") of raw, and the daemon $(ratio "$(get 1.fig)" "$(get 1.journal)") of the journal alone" \
    "$r1" "ratio >= 0.6" "$(verdict "$r1" ">=" 0.6)"
  want 2 && row_line 2 "ack latency (client side) at half of row 1's rate, batch 100: p50 / p90 / p99 / max" \
    "$(measured "$(get 2.p99)" "$(get 2.p50) / $(get 2.p90) / $(get 2.p99) / $(get 2.max) ms")" \
    "$(measured "$(get 2.rate)" "rate $(get 2.rate) orders/s")" "—" "p99 < 5 ms" \
    "$(verdict "$(get 2.p99)" "<" 5)"
  want 3 && row_line 3 "placement, 20 providers x 32 in flight, 50 ms answers, backlog of 64k: placed orders/s" \
    "$(measured "$(get 3.fig)" "$(per_s "$(get 3.fig)") ($(get 3.placed) in $(calc %.1f "$(get 3.seconds)0") s; the mock fleet used $(get 3.mock_cpu) CPU s meanwhile)")" \
    "bound 20 x 32 / 0.05 s = 12.8 k/s" "$r3" \
    "ratio >= 0.9" "$(verdict "$r3" ">=" 0.9)"
  want 4 && row_line 4 "the same placement while intake runs flat out (8 s): placed orders/s" \
    "$(measured "$(get 4.fig)" "$(per_s "$(get 4.fig)") (intake $(per_s "$(get 4.acked)"); fleet CPU $(get 4.mock_cpu) s)")" \
    "row 3: $(per_s "$(get 3.fig)")" "$r4" \
    "ratio >= 0.8" "$(verdict "$r4" ">=" 0.8)"
  want 5 && row_line 5 "daemon CPU (utime + stime) per placement, row 3" "${us5:-not measured}${us5:+ µs}" "—" "—" \
    "<= 50 µs" "$(verdict "$us5" "<=" 50)"
  want 6 && row_line 6 "RSS per open order, ${SMM_BENCH_OPEN_ORDERS:-1000000} placed orders recovered" \
    "$(measured "$(get 6.fig)" "$(get 6.fig) B (VmRSS $(get 6.full_kib) KiB)")" \
    "$(measured "$(get 6.empty_kib)" "same daemon, empty journal: VmRSS $(get 6.empty_kib) KiB")" "—" \
    "<= 512 B" "$(verdict "$(get 6.fig)" "<=" 512)"
  want 7 && row_line 7 "provider client (balance calls, 16 in flight) on a zero-latency mock: requests/s" \
    "$(per_s "$(get 7.fig)")" "wrk on the same mock: $(per_s "$(get 7.base)")" "$r7" "ratio >= 0.9" \
    "$(verdict "$r7" ">=" 0.9)"
  want 8 && row_line 8 "domain hot path (plan_for per status answer): orders/s on one core" \
    "$(per_s "$(get 8.fig)")" "plain sum over the same orders: $(per_s "$(get 8.base)")" "$r8" ">= 10 M/s" \
    "$(verdict "$(get 8.fig)" ">=" 10000000)"
  want 9 && row_line 9 "daemon placement (row 3) vs PHP-cron-style placement: 4 crons, one blocking add per order on a new connection, same fleet" \
    "$(per_s "$(get 3.fig)")" "cron baseline: $(per_s "$(get 9.base)")" "$r9" "none set (context)" "—"
  echo
  echo "## Machine"
  echo
  echo "- nproc: $(nproc)"
  echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  echo "- kernel: $(uname -srm)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)")"
  echo "- build: $rel ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null))"
  phases=$(printf '%s; ' "${phase_status[@]}")
  echo "- the whole run: ${elapsed} s; phases: ${phases%; }"
  echo
  echo "## Reproducing a row"
  echo
  echo "\`scripts/bench.sh $rel ROW...\` runs only what the rows need (into \`$rel/bench-results-partial.md\`)."
  echo "What each row ran, as run (\`\$WORK\` is the run's scratch directory under the build"
  echo "directory, \`PID\` the daemon's pid). Each daemon runs on a fresh config and journal in"
  echo "\`\$WORK\` (\`write_config\` in scripts/bench.sh): every provider \`max_in_flight = 32\`,"
  echo "\`requests_per_second = 10000\`, service i+1 routed to provider i alone, \`log_level = \"warn\"\`,"
  echo "no metrics port; rows 1, 2 and 6 have one provider, \`idle\`, at 127.0.0.1:1 where nothing listens."
  echo
  for r in "${rows[@]}"; do
    echo "- row $r: \`scripts/bench.sh $rel $r\`"
    src=$r
    [[ $r == 5 ]] && src=3  # row 5 is row 3's run
    while IFS=$'\t' read -r cr cmd; do
      [[ $cr == "$src" ]] || continue
      echo "  - \`${cmd//$root\//}\`"
    done <"$work/commands"
  done
  if (($# == 0)); then
    echo
    echo "## Google Benchmark programs (run in full, \`--benchmark_min_time=0.5\`)"
    echo
    while IFS=$'\t' read -r cr cmd; do
      [[ $cr == gbench ]] && echo "- \`${cmd//$root\//}\`"
    done <"$work/commands"
  fi
} >"$out_file"
cat "$out_file"
echo "bench.sh: wrote $out_file in $elapsed s" >&2
