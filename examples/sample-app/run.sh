#!/usr/bin/env bash
# The product doing its job on a laptop: starts two versions of sample-app (v2 faster at the
# median but with a longer tail and 3 % errors), runs the canary experiment against them
# (start, three loops of metrics/collect, finish), and writes the HTML report.
#   bash examples/sample-app/run.sh [REPORT.html]   (default: ./sample-app-report.html)
# With ITER8_SKIP_BUILD=1 it uses the build as it is (no dependency install, no build);
# ITER8_BUILD_DIR names the build folder (default ./build).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
report=$(realpath -m "${1:-sample-app-report.html}")
cd "$repo"
if [[ "${ITER8_SKIP_BUILD:-}" != 1 ]]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh
fi
build=${ITER8_BUILD_DIR:-$repo/build}
handler=$build/bin/handler
app=$build/bin/sample-app
plugins=$build/lib/iter8/plugins
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() {
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "run.sh: nothing answers on port $1" >&2
  return 1
}

v1_port=$(free_port)
v2_port=$(free_port)
"$app" --port "$v1_port" --name v1 --latency-ms 20 --spread 0.2 --error-rate 0 & pids+=($!)
"$app" --port "$v2_port" --name v2 --latency-ms 15 --spread 0.6 --error-rate 0.03 & pids+=($!)
wait_up "$v1_port"
wait_up "$v2_port"

sed -e "s/BASELINE_PORT/$v1_port/" -e "s/CANDIDATE_PORT/$v2_port/" \
  examples/sample-app/canary-experiment.yaml >"$work/experiment.yaml"

# notification/http comes with notification.so: when it is built, the finish action posts the
# result to a local receiver that prints what it got.
if [[ -f "$plugins/notification.so" ]]; then
  hook_port=$(free_port)
  python3 - "$hook_port" >"$work/received.txt" 2>/dev/null <<'PY' & pids+=($!)
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print(body.decode(errors="replace"), flush=True)
        self.send_response(200); self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
  python3 - "$work/experiment.yaml" "$hook_port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
finish = ("      finish:\n      - task: notification/http\n        with:\n"
          f"          url: http://127.0.0.1:{port}/hook\n          ignoreFailure: false\n")
text = text.replace("  criteria:\n", finish + "  criteria:\n", 1)
open(path, "w").write(text)
PY
fi

run() { "$handler" run --plugins-dir "$plugins" --termination-log "$work/termination-log" "$@"; }
# The input stays as written; every action reads and updates out.yaml (a local loop).
cp "$work/experiment.yaml" "$work/out.yaml"
run -a start -f "$work/out.yaml"
for i in 1 2 3; do
  echo "--- loop $i of 3"
  run -a loop -f "$work/out.yaml" --analyze  # as the controller would between loops
done
run -a finish -f "$work/out.yaml"
if [[ -s "$work/received.txt" ]]; then
  echo "--- the notification receiver got $(wc -c <"$work/received.txt") bytes"
fi

# The report ends with Iter8's verdict and the recommended version; --check turns it into an
# exit code (0 go, 6 no go, 7 a go resting on requests without an HTTP response).
verdict=0
"$handler" report -f "$work/out.yaml" --check || verdict=$?
echo "--- report --check: exit $verdict"
"$handler" report -f "$work/out.yaml" --format html -o "$report"
echo "Open $report in a browser."
