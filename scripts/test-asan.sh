#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into ./build-asan and
# runs the suite there (CI runs it after scripts/test.sh), less the tests labelled `timing`
# (see below and docs/robustness.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
started=$(date +%s)
generator=(-G Ninja)
[[ -f build-asan/CMakeCache.txt ]] && generator=()
# -O1 -g1 (line tables) instead of RelWithDebInfo's -O2 -g: half the compile time (42 s -> 21 s
# for tests/template_test.cpp), as ASan itself recommends -O1, and reports keep file:line.
sanitizer_flags="-O1 -g1 -DNDEBUG"
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitizer_flags" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$sanitizer_flags" -DITER8_SANITIZE=ON >/dev/null
cmake --build build-asan -j"${JOBS:-2}"
built=$(date +%s)
# Any report fails the process that made it. Leak checking is off by default (plugins are
# loaded for the life of the process and the test servers keep threads; a leak report there
# would be noise): ASAN_OPTIONS=detect_leaks=1 bash scripts/test-asan.sh to see them.
# ASan's own SIGSEGV/SIGBUS/SIGFPE handlers are off: the supervision tests crash plugins on
# purpose and check that the handler reports the signal as Kubernetes would see it
# ("crashed: SIGSEGV"), which ASan's handler would turn into a plain exit 1. A real crash in
# our code still fails its test: ctest reports the signal.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
cd build-asan
status=0
# Tests labelled `timing` assert send lags and rates against the wall clock; ASan's slowdown
# made one stall 458 ms in a CI run, so they are left out here by default (they run in the
# plain suite, and send_schedule_test checks the schedule's rules without a clock).
# ITER8_ASAN_EXCLUDE= (empty) runs them too.
exclude=()
asan_exclude="${ITER8_ASAN_EXCLUDE-timing}"
[[ -n "$asan_exclude" ]] && exclude=(-LE "$asan_exclude")
ctest -j2 --output-on-failure --timeout 900 "${exclude[@]}" || status=$?
echo "test-asan: build $((built - started)) s, tests $(($(date +%s) - built)) s"
exit "$status"
