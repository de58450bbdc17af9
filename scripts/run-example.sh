#!/usr/bin/env bash
# Installs dependencies, builds, and runs the start action of the shipped example experiment
# from a local file (no cluster): the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp examples/hello-experiment.yaml "$work/"
./build/bin/handler run -a start -f "$work/hello-experiment.yaml" --termination-log "$work/termination-log"
