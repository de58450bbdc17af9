#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into ./build-fuzz and runs each for a bounded time
# (default 60 s: FUZZ_SECONDS=600 bash scripts/fuzz.sh for longer; or name targets:
# bash scripts/fuzz.sh fuzz_template). Not part of CI; see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
((${#targets[@]})) || targets=(fuzz_yaml_json fuzz_template fuzz_condition fuzz_histogram_json
                                 fuzz_http_response)
ITER8_DEPS_FUZZ=1 bash scripts/install-deps.sh  # clang and libFuzzer, besides the usual
generator=(-G Ninja)
[[ -f build-fuzz/CMakeCache.txt ]] && generator=()
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DITER8_FUZZ=ON -DITER8_BUILD_TESTS=OFF -DITER8_WERROR=OFF >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target "${targets[@]}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# Halt on any UB report except the third-party ones listed in fuzz/ubsan.supp.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp}"
failed=0
for target in "${targets[@]}"; do
  corpus="build-fuzz/corpus/${target}"
  mkdir -p "$corpus" "build-fuzz/findings/${target}"
  seeds=()
  [[ -d "fuzz/seeds/${target}" ]] && seeds=("fuzz/seeds/${target}")
  echo "== ${target}: ${seconds} s"
  # -rss_limit_mb and -timeout: a slow or memory-hungry input is a finding too.
  if ! "build-fuzz/bin/${target}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -artifact_prefix="build-fuzz/findings/${target}/" \
      "$corpus" "${seeds[@]}" 2>"build-fuzz/${target}.log"; then
    failed=1
    echo "   FOUND: see build-fuzz/${target}.log and build-fuzz/findings/${target}/"
  fi
  grep -E "^(#[0-9]+ *DONE|Done [0-9]+ runs)" "build-fuzz/${target}.log" | tail -1 || true
done
exit "$failed"
