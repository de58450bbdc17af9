#!/usr/bin/env bash
# Configures and builds everything into ./build (Ninja, -j2: the machines have 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
generator=(-G Ninja)
[[ -f build/CMakeCache.txt ]] && generator=()  # keep the generator an existing build chose
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"${JOBS:-2}"
