#!/usr/bin/env bash
# Installs every build and test dependency of iter8-handler from Debian 12 packages.
# Used by README.md, .ci/run and container/Dockerfile; nothing else is downloaded.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-program-options-dev
  rapidjson-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libcurl4-openssl-dev libssl-dev libhttp-parser-dev
  openssl ca-certificates
)
# Test- and benchmark-only packages: GoogleTest and cpp-httplib for the suites (built only with
# ITER8_BUILD_TESTS=ON), nginx and wrk for bench/, python3 for fixtures and python3-kubernetes
# for the offline check of container/'s manifests, chromium to render the HTML report (its
# test skips with a message where chromium is missing), zsh to check the generated zsh
# completion script, clang-format for CI's format check (scripts/check-format.sh), and
# kubernetes-client (kubectl 1.20) to render container/install offline (tests/manifests_check.py)
# unless a kubectl is installed already: another package owning /usr/bin/kubectl (e.g. the Google
# Cloud SDK's `kubectl`) makes dpkg refuse kubernetes-client, and renders the overlay as well.
# ITER8_DEPS_NO_TEST_TOOLS=1 (the image's build stage, which configures with tests off) skips
# them all.
if [[ "${ITER8_DEPS_NO_TEST_TOOLS:-}" != 1 ]]; then
  packages+=(libgtest-dev libgmock-dev libcpp-httplib-dev nginx-light wrk python3 python3-kubernetes
            chromium zsh clang-format)
  command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
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
