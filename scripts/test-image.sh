#!/usr/bin/env bash
# Builds the handler image (the engine's layer cache makes that quick when nothing changed) and
# checks it from the outside, run as the Iter8 Job runs it: uid 65532, read-only root
# filesystem, every capability dropped, no privilege escalation, and writable emptyDir-like
# tmpfs mounts at /tmp and /scratch only (container/job.yaml).
#
#   bash scripts/test-image.sh [TAG]      default TAG: iter8-handler:<version>
#
# Prints one line per check and closes with `N passed, N failed`; exits 1 when any failed.
# Needs the host's build tools for the out-of-tree plugin (scripts/install-deps.sh) and
# python3 for a loopback HTTP server; installs the container engine itself (container/engine.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
source container/engine.sh

passed=0
failed=0
work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  [[ -n ${controller_fake_pid:-} ]] && kill "$controller_fake_pid" 2>/dev/null
  [[ -n ${controller_jobs_pid:-} ]] && kill "$controller_jobs_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# check NAME FUNCTION: runs FUNCTION, whose output is shown only when it fails.
check() {
  local name=$1 log="$work/check.log"
  if "$2" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "PASS  $name"
  else
    failed=$((failed + 1))
    echo "FAIL  $name"
    sed 's/^/      | /' "$log" | tail -40
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
  exit
}

if ! bash scripts/install-deps.sh >"$work/deps.log" 2>&1; then
  failed=$((failed + 1))
  echo "FAIL  scripts/install-deps.sh"
  tail -20 "$work/deps.log" | sed 's/^/      | /'
  finish
fi
tag=${1:-$(iter8_default_tag)}
if ! { iter8_engine_setup && iter8_ensure_base && iter8_detect_limits; }; then
  failed=$((failed + 1))
  echo "FAIL  container engine set up"
  finish
fi
if ! iter8_build "$tag" >"$work/build.log" 2>&1; then
  failed=$((failed + 1))
  echo "FAIL  image builds"
  tail -40 "$work/build.log" | sed 's/^/      | /'
  finish
fi
passed=$((passed + 1))
echo "PASS  image builds ($(grep -o 'built .* in [0-9]* s' "$work/build.log"))"

version=$(sed -n 's/^project(iter8-handler VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

# The Job's container, as container/job.yaml runs it. /exp is the mounted writable folder
# that holds experiment files in local mode.
# shellcheck disable=SC2054 # the commas are tmpfs mount options
job_opts=(--rm "${ENGINE_LIMITS[@]}" --user 65532:65532 --read-only --cap-drop=ALL
  --security-opt=no-new-privileges
  --tmpfs /tmp:rw,exec,mode=1777 --tmpfs /scratch:rw,exec,mode=1777
  -v "$work/exp:/exp")
# Podman mounts tmpfs on /tmp, /var/tmp and /run under --read-only on its own; a pod does not.
[[ ${ENGINE[0]} == podman ]] && job_opts+=(--read-only-tmpfs=false)
mkdir -m 0777 "$work/exp"

# job [engine run options...] -- [handler arguments...]: stdout+stderr to $work/out, status in $rc.
job() {
  local opts=()
  while [[ $1 != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  "${ENGINE[@]}" run "${job_opts[@]}" "${opts[@]}" "$tag" "$@" >"$work/out" 2>&1
  rc=$?
  cat "$work/out"
}

expect_rc() {
  [[ $rc == "$1" ]] || {
    echo "exit status $rc; expected $1"
    return 1
  }
}

expect_out_re() {
  grep -qE -- "$1" "$work/out" || {
    echo "output matches no line: $1"
    return 1
  }
}

expect_out() {
  grep -qF -- "$1" "$work/out" || {
    echo "output lacks: $1"
    return 1
  }
}

# An experiment file in the mounted folder, writable by uid 65532.
put_experiment() {
  cat >"$work/exp/$1"
  chmod 0666 "$work/exp/$1"
}

# put_start_experiment FILE NAME <<<ITEMS: a Conformance experiment shop/NAME whose start
# action is ITEMS (list items indented by six spaces).
put_start_experiment() {
  {
    printf '%s\n' "apiVersion: iter8.tools/v2alpha2" "kind: Experiment" \
      "metadata: {name: $2, namespace: shop}" "spec:" "  target: shop/checkout" \
      "  strategy:" "    testingPattern: Conformance" "    actions:" "      start:"
    cat
    printf '%s\n' "  versionInfo:" "    baseline: {name: checkout-v1}"
  } | put_experiment "$1"
}

check_version() {
  # The controller's Job says `command: ["handler"]`: found on the image's PATH.
  job --entrypoint handler -- version
  expect_rc 0 && expect_out "handler $version "
}

# Every folder under plugins/ whose CMakeLists.txt builds a task library is a plugin the
# image must load (iter8_add_plugin(NAME ...) makes NAME.so), and the image has no others.
# The default image carries Debian's kubectl 1.20; --tools says so, with the skew rule.
check_tool_versions() {
  job -- version --tools
  expect_rc 0 && expect_out "kubectl v1.20." && expect_out "supports API servers v1.19 to v1.21" &&
    expect_out "git 2." && expect_out "bash 5."
}

check_plugins() {
  local expected actual
  expected=$(sed -n 's/^[[:space:]]*iter8_add_plugin(\([A-Za-z0-9_]*\).*/\1/p' plugins/*/CMakeLists.txt | sort)
  job -- plugins
  expect_rc 0 || return 1
  actual=$(sed -n 's/^\([A-Za-z0-9_]*\) [0-9][^ ]* (ABI .*\/opt\/iter8\/lib\/iter8\/plugins\/.*\.so$/\1/p' \
    "$work/out" | sort)
  echo "expected: $(echo $expected); loaded: $(echo $actual)"
  [[ -n $expected && $expected == "$actual" ]]
}

check_start() {
  cp examples/hello-experiment.yaml "$work/exp/hello.yaml"
  chmod 0666 "$work/exp/hello.yaml"
  job -- run -a start -f /exp/hello.yaml
  expect_rc 0 &&
    expect_out "Experiment shop/hello-canary targets shop/checkout" &&
    expect_out "promoting checkout-v2 with image tag 1.5.0"
}

check_failure() {
  put_start_experiment fail.yaml doomed <<'EOF'
      - run: echo first item runs
      - run: echo "the deploy went wrong" >&2; exit 7
      - run: echo never reached
EOF
  : >"$work/termination-log"
  chmod 0666 "$work/termination-log"
  # The kubelet provides /dev/termination-log; so does this mount.
  job -v "$work/termination-log:/dev/termination-log" -- run -a start -f /exp/fail.yaml
  echo "--- termination log:"
  cat "$work/termination-log"
  expect_rc 1 && expect_out "first item runs" || return 1
  if grep -qF "never reached" "$work/out"; then
    echo "an item after the failure ran"
    return 1
  fi
  # e.g. "action start, task 1 (run): bash script exited with status 7"
  grep -qE "^action start, task 1 \(run\): .*status 7" "$work/termination-log"
}

check_collect() {
  mkdir -p "$work/site"
  echo v1 >"$work/site/v1.txt"
  echo "version two" >"$work/site/v2.txt"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/site" >"$work/server.log" 2>&1 &
  server_pid=$!
  local tries=0
  until curl -fs "http://127.0.0.1:$port/v1.txt" >/dev/null 2>&1 ||
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v1.txt')" 2>/dev/null; do
    ((++tries > 50)) && {
      echo "the loopback server did not start"
      return 1
    }
    sleep 0.1
  done
  put_experiment load.yaml <<EOF
apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: checkout-load, namespace: shop}
spec:
  target: shop/checkout
  strategy:
    testingPattern: Canary
    actions:
      loop:
      - task: metrics/collect
        with:
          numQueries: 12
          qps: 40
          connections: 2
          versions:
          - name: checkout-v1
            url: http://127.0.0.1:$port/v1.txt
          - name: checkout-v2
            url: http://127.0.0.1:$port/v2.txt
  versionInfo:
    baseline: {name: checkout-v1}
    candidates:
    - name: checkout-v2
EOF
  job --network=host -- run -a loop -f /exp/load.yaml
  kill "$server_pid" 2>/dev/null
  server_pid=
  expect_rc 0 || return 1
  echo "--- status written back:"
  sed -n '/^status:/,$p' "$work/exp/load.yaml" | head -30
  grep -q "aggregatedBuiltinHists:" "$work/exp/load.yaml" &&
    [[ $(grep -A1 "^ *DurationHistogram:$" "$work/exp/load.yaml" | grep -c "Count: 12$") == 2 ]] &&
    grep -q "checkout-v2:" "$work/exp/load.yaml"
}

# hello.so, built on this host from examples/plugin-hello against the SDK copied out of the
# image (headers and CMake package under /opt/iter8), then mounted and named in
# ITER8_PLUGINS_DIR beside the shipped folder.
check_third_party_plugin() {
  local cid
  cid=$("${ENGINE[@]}" create "$tag") || return 1
  "${ENGINE[@]}" cp "$cid:/opt/iter8" "$work/sdk"
  local copied=$?
  "${ENGINE[@]}" rm "$cid" >/dev/null
  ((copied == 0)) || return 1
  cmake -S examples/plugin-hello -B "$work/hello-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/sdk" >/dev/null &&
    cmake --build "$work/hello-build" >/dev/null || return 1
  mkdir -m 0755 "$work/plugins"
  cp "$work/hello-build/hello.so" "$work/plugins/"
  cp examples/plugin-hello/experiment.yaml "$work/exp/hello-plugin.yaml"
  chmod 0666 "$work/exp/hello-plugin.yaml"
  local env=(-e ITER8_PLUGINS_DIR=/plugins:/opt/iter8/lib/iter8/plugins -v "$work/plugins:/plugins:ro")
  job "${env[@]}" -- plugins
  expect_rc 0 && expect_out "/plugins/hello.so" && expect_out "common " || return 1
  job "${env[@]}" -- run -a start -f /exp/hello-plugin.yaml
  expect_rc 0 && grep -q "greeted plugin authors" "$work/exp/hello-plugin.yaml"
}

# SCRATCH_DIR is /scratch from the image's environment; the checks accept any absolute path
# so that a handler which sets it itself (to a folder under /tmp) passes too.
check_run_tools() {
  put_start_experiment tools.yaml tools <<'EOF'
      - run: |
          set -e
          echo "scratch is $SCRATCH_DIR"
          echo kept > "$SCRATCH_DIR/note.txt"
          echo "read back: $(cat "$SCRATCH_DIR/note.txt")"
          if touch /var/tmp/probe 2>/dev/null; then echo "the root filesystem is writable" >&2; exit 1; fi
      - run: kubectl version --client
      - run: git --version && curl --version | head -n 1
EOF
  job -- run -a start -f /exp/tools.yaml
  expect_rc 0 &&
    expect_out_re "^scratch is /[^ ]+$" &&
    expect_out "read back: kept" &&
    expect_out "Client Version" &&
    expect_out "git version" &&
    expect_out "curl "
}

# The controller's Job template unchanged: no securityContext, no volumes, so the image's own
# user and a writable root; SCRATCH_DIR must work there too.
check_controller_template() {
  put_start_experiment template.yaml plain <<'EOF'
      - run: |
          echo kept > "$SCRATCH_DIR/note.txt"
          echo "as $(id -u) read back: $(cat "$SCRATCH_DIR/note.txt")"
      - task: common/bash
        with:
          script: |
            cd "$SCRATCH_DIR" && git init -q repo && echo "bash made $SCRATCH_DIR/repo/.git"
EOF
  "${ENGINE[@]}" run --rm "${ENGINE_LIMITS[@]}" -v "$work/exp:/exp" -e ACTION=start \
    -e LOG_LEVEL=trace --entrypoint handler "$tag" run -a start -f /exp/template.yaml \
    >"$work/out" 2>&1
  rc=$?
  cat "$work/out"
  expect_rc 0 && expect_out "as 65532 read back: kept" && expect_out_re "^bash made /[^ ]+/repo/.git$"
}

# Lean: nothing of the build stage (compilers, CMake, headers of third-party libraries).
check_lean() {
  job --entrypoint /bin/sh -- -c '
    found=0
    for tool in cc gcc g++ c++ cmake ninja make ld; do
      if command -v "$tool"; then found=1; fi
    done
    for dir in /usr/include/boost /usr/include/spdlog /usr/include/gtest; do
      if [ -e "$dir" ]; then echo "$dir"; found=1; fi
    done
    exit $found'
  expect_rc 0
}

source scripts/test-image-controller.sh

check "version (entry point handler on PATH)" check_version
check "version --tools: Debian's kubectl 1.20 and its version skew" check_tool_versions
check "plugins: every library under plugins/ loads" check_plugins
check "start action of examples/hello-experiment.yaml, read-only root, uid 65532" check_start
check "failing task: exit 1, reason in the termination log" check_failure
check "metrics/collect against a loopback server writes histograms back" check_collect
check "out-of-tree plugin built against the image's SDK, via ITER8_PLUGINS_DIR" check_third_party_plugin
check "run: items write SCRATCH_DIR; kubectl, git, curl work" check_run_tools
check "the controller's unmodified Job template (writable root): SCRATCH_DIR, git" check_controller_template
check "no build tools in the image" check_lean
check "as an installed controller runs it after container/README.md's switch: start, 2 loops, finish, rollback" \
  check_controller_shaped
check "as an installed controller runs it: metrics/collect with shards: 2, an Indexed Job of 2 pods" \
  check_controller_sharded

size=$("${ENGINE[@]}" image inspect --format '{{.Size}}' "$tag" 2>/dev/null)
[[ -n $size ]] && echo "image $tag: $((size / 1000000)) MB"
finish
