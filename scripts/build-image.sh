#!/usr/bin/env bash
# Builds the handler image from container/Dockerfile.
#
#   bash scripts/build-image.sh [TAG]      default TAG: iter8-handler:<version in CMakeLists.txt>
#
# Uses podman (installed with apt-get when neither podman nor a working docker is there), or
# docker where that is what the machine has. Makes debian:bookworm-slim from Debian's packages
# when no registry serves it, and finds the runtime and ulimit options this machine needs
# (container/engine.sh explains each; container/README.md lists the overrides). Extra
# arguments for the engine's `build` go in ITER8_BUILD_ARGS, e.g.
#   ITER8_BUILD_ARGS="--build-arg KUBECTL_URL=... --build-arg KUBECTL_SHA256=..."
# Unchanged sources reuse the engine's layer cache (seconds); a cold build takes minutes
# (container/README.md has measurements).
set -euo pipefail
cd "$(dirname "$0")/.."
source container/engine.sh

tag=${1:-$(iter8_default_tag)}
iter8_engine_setup
iter8_ensure_base
iter8_detect_limits

iter8_build "$tag"
