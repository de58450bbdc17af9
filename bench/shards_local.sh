#!/usr/bin/env bash
# metrics/collect with shards: N in local mode against a private nginx on 127.0.0.1: for each N,
# the requests recorded, the union's achieved rate against the requested one, and the merged
# sketch's p50/p99 (docs/scale.md quotes a run). Not a CI test: the figures depend on the host.
#
# Usage: bench/shards_local.sh [QPS] [TIME] [CONNECTIONS] [N...]   (defaults 20000 3s 32 1 2 4 8)
# Needs nginx and python3 with PyYAML; BUILD_DIR (default build) holds the handler and plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/private_nginx.sh
QPS=${1:-20000}
TIME=${2:-3s}
CONNECTIONS=${3:-32}
shift $(($# < 3 ? $# : 3))
SHARDS=("$@")
[[ ${#SHARDS[@]} -gt 0 ]] || SHARDS=(1 2 4 8)
BUILD=${BUILD_DIR:-build}
WORK=$(mktemp -d)
NGINX_PID=
cleanup() {
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start_private_nginx "$WORK" 4096

echo "nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg); $QPS qps for $TIME, $CONNECTIONS connections"
for n in "${SHARDS[@]}"; do
  cat >"$WORK/exp.yaml" <<EOY
apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: shards-bench, namespace: default}
spec:
  target: default/app
  versionInfo: {baseline: {name: v1}}
  strategy:
    actions:
      loop:
      - task: metrics/collect
        with: {time: $TIME, qps: $QPS, connections: $CONNECTIONS, shards: $n,
               versions: [{name: v1, url: "http://127.0.0.1:$PORT/small.html"}]}
EOY
  "$BUILD/bin/handler" run -a loop -f "$WORK/exp.yaml" -o "$WORK/out.yaml" \
    --plugins-dir "$BUILD/lib/iter8/plugins" --log-level error >/dev/null 2>&1 || echo "N=$n: exit $?"
  python3 - "$WORK/out.yaml" "$n" "$QPS" <<'EOP'
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))["status"]["analysis"]["aggregatedBuiltinHists"]["data"]["v1"]
s = r["LatencySketch"]
def pct(p):  # nearest rank over the sketch's buckets, as LatencySketch::percentile
    import math
    rank = max(1, math.ceil(p / 100 * s["Count"]))
    seen = s["Underflow"]
    if rank <= seen: return s["Min"]
    g = (1 + s["RelativeAccuracy"]) / (1 - s["RelativeAccuracy"])
    for i, c in s["Buckets"]:
        seen += c
        if rank <= seen: return min(max(2 * g ** i / (g + 1), s["Min"]), s["Max"])
    return s["Max"]
qps = float(sys.argv[3])
print(f"N={sys.argv[2]}: requests {r['DurationHistogram']['Count']}, unsent {r['Unsent']}, "
      f"achieved {r['ActualQPS']:.1f} qps ({100 * (r['ActualQPS'] - qps) / qps:+.2f} %), "
      f"late sends {r['LateSends']}, p50 {pct(50) * 1e3:.3f} ms, p99 {pct(99) * 1e3:.3f} ms, "
      f"shard qps {r.get('ShardQPS', '-')}")
EOP
done
