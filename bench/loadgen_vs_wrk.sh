#!/usr/bin/env bash
# Benchmarks the iter8 load generator (through bench/loadgen_cli.cpp, which records every sample
# as metrics/collect does) against wrk, all aimed at the same private nginx on 127.0.0.1. Not a
# test: it prints figures and ratios, measured in one run, for docs/benchmarks.md.
#
#   bench/loadgen_vs_wrk.sh [build-dir]     (default: build; needs target iter8_loadgen_cli)
#
# Environment: SECONDS_PER_RUN (10), REPEATS (3), CONNECTION_COUNTS ("4 8"), PACING_RATES
# ("100 1000 10000 30000"), LATENCY_QPS (10000), RSS_REQUESTS (1000000), SECTIONS ("1 2 3 4":
# the parts below to run; "" for none), BASELINE_CLI (unset; an iter8_loadgen_cli of an
# earlier build: adds part 0). About 12 minutes.
#
# What it runs, each tool with one thread (wrk -t1; ours runs one thread per app version):
#  0. with BASELINE_CLI: our fast engine against the earlier build's, REPEATS alternating runs
#     each at max rate (612-byte body, the last connection count): median CPU per 1000 requests
#     and ours / baseline, the cost of what the recorder gained since (e.g. the latency sketch);
#  1. max rate for 3-byte and 612-byte bodies at each connection count: wrk and our fast engine
#     REPEATS times each, alternating (a VM's noise between runs is larger than the difference
#     measured), and our curl engine once; median requests/s and CPU seconds per 1000 requests
#     (user + system, from /usr/bin/time), and ours / wrk;
#  2. pacing of the fast engine at each rate: achieved / requested;
#  3. p50 and p99 at LATENCY_QPS through both engines: fast / curl;
#  4. peak RSS of the fast engine over RSS_REQUESTS requests at max rate.
# With 2 or more cores nginx is pinned to CPU 0 and the load tools to CPU 1, so the tool under
# test never competes with the server for a core.
set -euo pipefail
source "$(dirname "$0")/private_nginx.sh"

BUILD_DIR=${1:-build}
CLI="$BUILD_DIR/bin/iter8_loadgen_cli"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
SECTIONS=${SECTIONS-"1 2 3 4"}
REPEATS=${REPEATS:-3}
CONNECTION_COUNTS=${CONNECTION_COUNTS:-"4 8"}
PACING_RATES=${PACING_RATES:-"100 1000 10000 30000"}
LATENCY_QPS=${LATENCY_QPS:-10000}
RSS_REQUESTS=${RSS_REQUESTS:-1000000}

for tool in nginx wrk /usr/bin/time python3 taskset; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [[ ! -x "$CLI" ]]; then
  echo "missing $CLI: cmake --build $BUILD_DIR --target iter8_loadgen_cli" >&2
  exit 1
fi

SERVER_CPU=() CLIENT_CPU=()
if (($(nproc) >= 2)); then SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1); fi

WORK=$(mktemp -d)
NGINX_PID=""
cleanup() {
  if [[ -n "$NGINX_PID" ]]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start_private_nginx "$WORK" 1024 "${SERVER_CPU[@]}"
BASE="http://127.0.0.1:$PORT"

# field FILE KEY: the value of KEY=value in our driver's output.
field() { sed -n "s/^$2=//p" "$1"; }
# timefield FILE LABEL: a value from /usr/bin/time -v output.
timefield() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
calc5() { awk "BEGIN { printf \"%.5f\", $1 }"; }
# cpu FILE: user + system seconds from /usr/bin/time -v output.
cpu() { calc "$(timefield "$1" 'User time (seconds)') + $(timefield "$1" 'System time (seconds)')"; }
# median FILE COLUMN: the median of a column of numbers.
median() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
# run_ours ENGINE URL CONNECTIONS: one max-rate run; prints "requests/s cpu-s-per-1000".
run_ours() {
  ours "$1" --url "$2" --qps 0 --connections "$3" --duration "$SECONDS_PER_RUN" --engine "$1"
  if [[ $(field "$WORK/$1.out" errors) != 0 ]]; then
    echo "$1 engine: $(field "$WORK/$1.out" errors) errors" >&2
  fi
  echo "$(field "$WORK/$1.out" achieved_qps)" \
    "$(calc5 "$(cpu "$WORK/$1.time") * 1000 / $(field "$WORK/$1.out" requests)")"
}
# ours NAME ARGS...: runs our driver under /usr/bin/time into $WORK/NAME.out and .time.
ours() {
  local name=$1
  shift
  /usr/bin/time -v -o "$WORK/$name.time" "${CLIENT_CPU[@]}" "${DRIVER:-$CLI}" "$@" \
    >"$WORK/$name.out"
}

echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') on $BASE; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
LAST_CONNECTIONS=$(echo "$CONNECTION_COUNTS" | awk '{ print $NF }')
if [[ -n "${BASELINE_CLI:-}" ]]; then
  echo
  echo "== 0. this build vs $BASELINE_CLI: fast engine, max rate, 612B, $LAST_CONNECTIONS" \
    "connections, median of $REPEATS alternating runs (requests/s; CPU s per 1000 requests)"
  : >"$WORK/new.runs"
  : >"$WORK/old.runs"
  for _ in $(seq "$REPEATS"); do
    DRIVER=$BASELINE_CLI run_ours fast "$BASE/page.html" "$LAST_CONNECTIONS" >>"$WORK/old.runs"
    run_ours fast "$BASE/page.html" "$LAST_CONNECTIONS" >>"$WORK/new.runs"
  done
  echo "  baseline: $(median "$WORK/old.runs" 1) req/s, $(median "$WORK/old.runs" 2) CPU s/1000;" \
    "this build: $(median "$WORK/new.runs" 1) req/s, $(median "$WORK/new.runs" 2) CPU s/1000;" \
    "CPU this / baseline $(calc "$(median "$WORK/new.runs" 2) / $(median "$WORK/old.runs" 2)")"
  echo "  runs (CPU s/1000): baseline $(cut -d' ' -f2 "$WORK/old.runs" | tr '\n' ' ')/ this" \
    "$(cut -d' ' -f2 "$WORK/new.runs" | tr '\n' ' ')"
fi

part1() {
  echo
  echo "== 1. max rate, ${SECONDS_PER_RUN}s per run, median of $REPEATS alternating wrk/fast runs"
  echo "   (requests/s; CPU s per 1000 requests; curl engine: one run)"
  printf "%-6s %-5s | %9s %9s %9s | %6s %6s | %8s %8s %8s | %6s\n" body conns wrk fast curl \
    fast/w curl/w "wrk cpu" "fast" "curl" "fast/w"
  for page in small page; do
    for connections in $CONNECTION_COUNTS; do
      url="$BASE/$page.html"
      : >"$WORK/wrk.runs"
      : >"$WORK/fast.runs"
      for _ in $(seq "$REPEATS"); do
        /usr/bin/time -v -o "$WORK/wrk.time" "${CLIENT_CPU[@]}" wrk -t1 -c"$connections" \
          -d"${SECONDS_PER_RUN}s" "$url" >"$WORK/wrk.out"
        requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/wrk.out")
        echo "$(sed -n 's/^Requests\/sec: *//p' "$WORK/wrk.out")" \
          "$(calc5 "$(cpu "$WORK/wrk.time") * 1000 / $requests")" >>"$WORK/wrk.runs"
        run_ours fast "$url" "$connections" >>"$WORK/fast.runs"
      done
      run_ours curl "$url" "$connections" >"$WORK/curl.runs"
      wrk_qps=$(median "$WORK/wrk.runs" 1) wrk_cpu=$(median "$WORK/wrk.runs" 2)
      fast_qps=$(median "$WORK/fast.runs" 1) fast_cpu=$(median "$WORK/fast.runs" 2)
      curl_qps=$(median "$WORK/curl.runs" 1) curl_cpu=$(median "$WORK/curl.runs" 2)
      printf "%-6s %-5s | %9.0f %9.0f %9.0f | %6.3f %6.3f | %8.5f %8.5f %8.5f | %6.3f\n" \
        "$([[ $page == small ]] && echo 3B || echo 612B)" "$connections" "$wrk_qps" "$fast_qps" \
        "$curl_qps" "$(calc "$fast_qps / $wrk_qps")" "$(calc "$curl_qps / $wrk_qps")" "$wrk_cpu" \
        "$fast_cpu" "$curl_cpu" "$(calc "$fast_cpu / $wrk_cpu")"
      echo "       runs: wrk $(cut -d' ' -f1 "$WORK/wrk.runs" | tr '\n' ' ')/ fast" \
        "$(cut -d' ' -f1 "$WORK/fast.runs" | tr '\n' ' ')"
    done
  done
}

URL="$BASE/page.html"
CONNECTIONS=$LAST_CONNECTIONS
part2() {
  echo
  echo "== 2. pacing, fast engine, $CONNECTIONS connections, ${SECONDS_PER_RUN}s per rate"
  for rate in $PACING_RATES; do
    ours pace --url "$URL" --qps "$rate" --connections "$CONNECTIONS" --duration "$SECONDS_PER_RUN" \
      --engine fast
    echo "  $rate qps: achieved $(field "$WORK/pace.out" achieved_qps)," \
      "achieved/requested $(calc "$(field "$WORK/pace.out" achieved_qps) / $rate")," \
      "late sends $(field "$WORK/pace.out" late_sends), max lag $(field "$WORK/pace.out" max_lag_ms) ms"
  done
}

part3() {
  echo
  echo "== 3. latency at $LATENCY_QPS qps, $CONNECTIONS connections, ${SECONDS_PER_RUN}s (ms)"
  for engine in fast curl; do
    ours "lat_$engine" --url "$URL" --qps "$LATENCY_QPS" --connections "$CONNECTIONS" \
      --duration "$SECONDS_PER_RUN" --engine "$engine"
    echo "  $engine: p50 $(field "$WORK/lat_$engine.out" p50_ms), p99 $(field "$WORK/lat_$engine.out" p99_ms)," \
      "achieved $(field "$WORK/lat_$engine.out" achieved_qps) qps, CPU $(cpu "$WORK/lat_$engine.time") s"
  done
  for p in p50 p99; do
    fast_ms=$(field "$WORK/lat_fast.out" ${p}_ms) curl_ms=$(field "$WORK/lat_curl.out" ${p}_ms)
    echo "  $p fast / curl $(calc "$fast_ms / $curl_ms"), fast - curl $(calc "($fast_ms - $curl_ms) * 1000") us"
  done
}

part4() {
  echo
  echo "== 4. peak RSS, fast engine, $RSS_REQUESTS requests at max rate, $CONNECTIONS connections"
  ours rss --url "$URL" --qps 0 --connections "$CONNECTIONS" --n "$RSS_REQUESTS" --engine fast
  echo "  requests $(field "$WORK/rss.out" requests), errors $(field "$WORK/rss.out" errors)," \
    "peak RSS $(timefield "$WORK/rss.time" 'Maximum resident set size (kbytes)') kB"
}

for part in $SECTIONS; do
  [[ $part == 0 ]] || "part$part"
done
