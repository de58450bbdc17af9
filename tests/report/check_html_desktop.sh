#!/usr/bin/env bash
# Lays out a `handler report --format html` file in headless Chromium in a 1280x2000 window, as
# a person on a laptop sees it, and checks what they would notice:
# - the page and the "candidates vs baseline" table need no horizontal scrolling;
# - the histograms' value axes never pass 100 %;
# - every axis tick is a round number (1, 2 or 5 times a power of ten, or a multiple of one);
# and keeps the screenshot as WORKDIR/desktop.png.
# The layout is measured by a copy of the page with a script added (the report itself has no
# script and forbids one in its CSP). Usage: check_html_desktop.sh REPORT.html WORKDIR.
# Exit 77 (skip) when chromium is not installed.
set -euo pipefail
html=$1
work=$2
# shellcheck source=tests/report/chromium.sh
source "$(dirname "$0")/chromium.sh"
run() { chromium_run 1280,2000 "$@"; }
fail() { echo "check_html_desktop: $*"; exit 1; }

run --screenshot="$work/desktop.png" "file://$html" >/dev/null
[[ -s "$work/desktop.png" ]] || fail "no screenshot"

python3 - "$html" "$work/measured.html" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
probe = """<script>
const t = document.getElementById('comparison');
const out = document.createElement('pre'); out.id = 'layout';
out.textContent = 'page ' + document.documentElement.scrollWidth + ' ' + window.innerWidth +
  (t ? ' comparison ' + t.scrollWidth + ' ' + t.parentElement.clientWidth : '');
document.body.appendChild(out);
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>"))
PY
run --dump-dom "file://$work/measured.html" >"$work/measured-dom.html"
python3 - "$work/measured-dom.html" "$html" <<'PY' || exit 1
import math, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
page = open(sys.argv[2], encoding="utf-8").read()
m = re.search(r'<pre id="layout">([^<]*)</pre>', dom)
if not m:
    sys.exit("check_html_desktop: the measuring script did not run")
f = m.group(1).split()
problems = []
if int(f[1]) > int(f[2]):
    problems.append(f"the page is {f[1]} px wide in a {f[2]} px window")
if len(f) >= 6 and int(f[4]) > int(f[5]):
    problems.append(f"the comparison table is {f[4]} px wide in a {f[5]} px box: it scrolls")

def labels(svg_id):
    svg = re.search(r'<svg id="%s".*?</svg>' % svg_id, page, re.S)
    return re.findall(r'<text[^>]*>([^<]*)</text>', svg.group(0)) if svg else []

def value(label):
    scale = {"k": 1e3, "M": 1e6}.get(label[-1:], 1)
    return float(label.rstrip("%kM")) * scale

def round_number(v):
    if v == 0:
        return True
    mantissa = v / 10 ** math.floor(math.log10(abs(v)))
    return any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5)) or abs(mantissa * 10 - round(mantissa * 10)) < 1e-9

for svg_id in ("latency-histogram-linear", "latency-histogram-log", "latency-cdf", "percentile-chart"):
    for label in labels(svg_id):
        if not label[:1].isdigit():
            continue  # an axis title or a percentile name (p99)
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?[kM]?%?", label):
            problems.append(f"{svg_id}: tick {label} is not written as a plain number")
            continue
        if label.endswith("%") and value(label) > 100:
            problems.append(f"{svg_id}: a share axis reaches {label}")
        if not round_number(value(label)):
            problems.append(f"{svg_id}: tick {label} is not a round number")
if problems:
    print("check_html_desktop: " + "; ".join(problems))
    sys.exit(1)
print(f"check_html_desktop: page {f[1]} px in {f[2]}, comparison fits, axes round and <= 100 %")
PY
