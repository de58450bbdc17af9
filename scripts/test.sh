#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: the README's second command
# and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest -j2 --output-on-failure --timeout 300
