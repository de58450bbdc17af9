#!/usr/bin/env bash
# Renders a `handler report --format html` file in headless Chromium (Debian's `chromium`) at a
# phone's width: takes a screenshot, dumps the DOM after layout and checks that the charts and
# the table are in it, and reads Chromium's network log to prove no request left the page.
# Usage: check_html.sh REPORT.html WORKDIR. Exit 77 (skip) when chromium is not installed.
set -euo pipefail
html=$1
work=$2
# shellcheck source=tests/report/chromium.sh
source "$(dirname "$0")/chromium.sh"
run() { chromium_run 412,915 "$@"; }

run --screenshot="$work/report.png" --log-net-log="$work/netlog.json" "file://$html" >/dev/null
run --dump-dom "file://$html" >"$work/dom.html"

fail() { echo "check_html: $*"; exit 1; }
[[ -s "$work/report.png" ]] || fail "no screenshot"
size=$(stat -c %s "$work/report.png")
((size > 5000)) || fail "screenshot of $size bytes: blank page?"
for needle in 'id="summary"' 'id="latency-histogram-linear"' 'id="latency-histogram-log"' \
              'id="percentile-chart"' 'id="errors"' '<polygon' '<polyline' '<circle'; do
  grep -q -- "$needle" "$work/dom.html" || fail "the rendered page has no $needle"
done
# Every request is in the net log. The page's own have initiator "null" (a file:// page is an
# opaque origin); the browser's background calls (update checks, ...) have "not an origin".
[[ -s "$work/netlog.json" ]] || fail "chromium wrote no network log"
urls=$(python3 - "$work/netlog.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for event in log["events"]:
    params = event.get("params", {})
    if event["type"] == start and "url" in params \
            and params.get("initiator") != "not an origin" \
            and not params["url"].startswith("file:"):
        print(params.get("url"))
PY
)
[[ -z "$urls" ]] || fail "the page made requests: $urls"
echo "check_html: screenshot $size bytes, charts and table present, no request left the page"
