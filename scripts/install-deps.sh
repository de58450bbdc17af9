#!/usr/bin/env bash
# Installs every build and test dependency of iter8-handler from Debian 12 packages.
# Used by README.md, .ci/run and container/Dockerfile; nothing else is downloaded.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-program-options-dev
  rapidjson-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libcurl4-openssl-dev libssl-dev
  libgtest-dev libgmock-dev libcpp-httplib-dev
  openssl ca-certificates
)
# Test- and benchmark-only tools (nginx and wrk for bench/, python3 for fixtures).
if [[ "${ITER8_DEPS_NO_TEST_TOOLS:-}" != 1 ]]; then
  packages+=(nginx-light wrk python3)
fi
# The fuzz targets need clang with libFuzzer (scripts/fuzz.sh sets this; not in CI).
if [[ "${ITER8_DEPS_FUZZ:-}" == 1 ]]; then
  packages+=(clang libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
