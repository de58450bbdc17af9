# Sourced by the HTML checks: finds Debian's headless Chromium (exit 77, a skip, when it is not
# installed) and defines `chromium_run WIDTH,HEIGHT ARGS...`, one run in a window of that size
# with a new empty profile under $work, quiet (no update checks, no sync), stderr kept in
# $work/chromium.err.
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it with the test tools)"
  exit 77
fi
chromium_run() {
  local size=$1 profile
  shift
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --window-size="$size" --user-data-dir="$profile" "$@" 2>>"$work/chromium.err"
}
