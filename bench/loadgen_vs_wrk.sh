#!/usr/bin/env bash
# Benchmarks the iter8 load generator (through bench/loadgen_cli.cpp) against wrk, both aimed at
# the same private nginx on 127.0.0.1 serving a small static file. Not a test: it prints ratios.
#
#   bench/loadgen_vs_wrk.sh [build-dir]     (default: build; needs target iter8_loadgen_cli)
#
# Environment: CONNECTIONS (8), MAX_REQUESTS (1000000, our max-rate run, also the RSS figure),
# WRK_SECONDS (10), PACING_SECONDS (10), PACING_RATES ("100 1000 10000").
# Both tools run one thread (wrk -t1), since our generator runs one thread per app version.
# wrk has no fixed-rate mode, so latency is compared at each tool's max rate with the same
# connection count.
set -euo pipefail

BUILD_DIR=${1:-build}
CLI="$BUILD_DIR/bin/iter8_loadgen_cli"
CONNECTIONS=${CONNECTIONS:-8}
MAX_REQUESTS=${MAX_REQUESTS:-1000000}
WRK_SECONDS=${WRK_SECONDS:-10}
PACING_SECONDS=${PACING_SECONDS:-10}
PACING_RATES=${PACING_RATES:-"100 1000 10000"}

for tool in nginx wrk /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [[ ! -x "$CLI" ]]; then
  echo "missing $CLI: cmake --build $BUILD_DIR --target iter8_loadgen_cli" >&2
  exit 1
fi

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

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/www" "$WORK/logs"
chmod 755 "$WORK" "$WORK/www"  # nginx workers run as nobody when started by root
head -c 612 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"  # nginx's default page size
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $WORK/tmp_body;
  proxy_temp_path $WORK/tmp_proxy;
  fastcgi_temp_path $WORK/tmp_fastcgi;
  uwsgi_temp_path $WORK/tmp_uwsgi;
  scgi_temp_path $WORK/tmp_scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/www;
  }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT/index.html"
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.1)" 2>/dev/null && break
  sleep 0.1
done

# field FILE KEY: the value of KEY=value in our driver's output.
field() { sed -n "s/^$2=//p" "$1"; }
# timefield FILE LABEL: a value from /usr/bin/time -v output.
timefield() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }
# ms VALUE: wrk's "1.23ms" / "456.00us" / "1.02s" in milliseconds.
ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v !~ /ms$/) n *= 1000
                         printf "%.3f", n }'
}
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') on $URL; $CONNECTIONS connections; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== max rate: ours, $MAX_REQUESTS requests"
/usr/bin/time -v -o "$WORK/ours_max.time" "$CLI" --url "$URL" --qps 0 --connections "$CONNECTIONS" \
  --n "$MAX_REQUESTS" >"$WORK/ours_max.out"
tr '\n' ' ' <"$WORK/ours_max.out"; echo

echo "== max rate: wrk -t1 -c$CONNECTIONS -d${WRK_SECONDS}s --latency"
/usr/bin/time -v -o "$WORK/wrk.time" wrk -t1 -c"$CONNECTIONS" -d"${WRK_SECONDS}s" --latency "$URL" \
  >"$WORK/wrk.out"
grep -E "requests in|Requests/sec|50%|99%|Socket errors|Non-2xx" "$WORK/wrk.out" | sed 's/^ */  /'

ours_qps=$(field "$WORK/ours_max.out" achieved_qps)
ours_requests=$(field "$WORK/ours_max.out" requests)
# cpu FILE: user + system seconds from /usr/bin/time -v output.
cpu() { calc "$(timefield "$1" 'User time (seconds)') + $(timefield "$1" 'System time (seconds)')"; }
ours_cpu=$(cpu "$WORK/ours_max.time")
ours_rss=$(timefield "$WORK/ours_max.time" 'Maximum resident set size (kbytes)')
wrk_qps=$(sed -n 's/^Requests\/sec: *//p' "$WORK/wrk.out")
wrk_requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/wrk.out")
wrk_cpu=$(cpu "$WORK/wrk.time")
wrk_rss=$(timefield "$WORK/wrk.time" 'Maximum resident set size (kbytes)')
wrk_p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.out")")
wrk_p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.out")")

pacing=""
for rate in $PACING_RATES; do
  echo "== pacing: ours at $rate qps for ${PACING_SECONDS}s"
  out="$WORK/pace_$rate.out"
  "$CLI" --url "$URL" --qps "$rate" --connections "$CONNECTIONS" --duration "$PACING_SECONDS" >"$out"
  grep -E "requests|achieved|late|max_lag|unsent|p99" "$out" | tr '\n' ' '; echo
  pacing+="  $rate qps: achieved/requested $(calc "$(field "$out" achieved_qps) / $rate")"
  pacing+=" (late sends $(field "$out" late_sends), max lag $(field "$out" max_lag_ms) ms,"
  pacing+=" p50 $(field "$out" p50_ms) ms, p99 $(field "$out" p99_ms) ms)"$'\n'
done

echo
echo "== summary (ours / wrk, same $CONNECTIONS connections, one thread each)"
echo "max-rate throughput: ours $ours_qps/s, wrk $wrk_qps/s, ratio $(calc "$ours_qps / $wrk_qps")"
echo "CPU s per 1000 requests: ours $(calc "$ours_cpu * 1000 / $ours_requests"), wrk $(calc "$wrk_cpu * 1000 / $wrk_requests")"
echo "peak RSS: ours $ours_rss kB for $ours_requests requests, wrk $wrk_rss kB"
echo "latency at max rate: p50 ours $(field "$WORK/ours_max.out" p50_ms) ms vs wrk $wrk_p50 ms;" \
  "p99 ours $(field "$WORK/ours_max.out" p99_ms) ms vs wrk $wrk_p99 ms"
echo "pacing accuracy (ours; wrk has no fixed rate):"
printf "%s" "$pacing"
