# shellcheck shell=bash
# Sourced by scripts/build-image.sh and scripts/test-image.sh: picks the container engine and
# the options this machine needs, and makes sure the base image exists. Not run on its own.
#
# After iter8_engine_setup:
#   ENGINE         the engine command with its global options, e.g. (podman --runtime runc)
# After iter8_ensure_base and iter8_detect_limits:
#   ENGINE_LIMITS  --ulimit options to pass to every `build` and `run` (may be empty)
#
# Overrides (environment):
#   ITER8_ENGINE=podman|docker   use this engine (default: podman if installed, else a docker
#                                whose daemon answers, else podman installed with apt-get)
#   ITER8_RUNTIME=runc|crun      podman's OCI runtime (default: runc on cgroup v1/hybrid hosts)
#   ITER8_BASE_FROM=registry|local  where the base comes from when it is not in local storage
#                                (default: try the registry, then build it locally)
#   ITER8_DEBIAN_MIRROR          mirror for a locally built base (default http://deb.debian.org)

image_log() { echo "image: $*" >&2; }

# apt-get install, as scripts/install-deps.sh does it: only what is missing, sudo when not root.
iter8_apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || {
    image_log "missing ${missing[*]} and no apt-get to install them; install them by hand"
    return 1
  }
  local sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  image_log "installing ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The image tag everything agrees on: iter8-handler:<project VERSION in CMakeLists.txt>.
# container/job.yaml names the same tag (checked by tests/manifests_check.py).
iter8_default_tag() {
  local version
  version=$(sed -n 's/^project(iter8-handler VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
  [[ -n $version ]] || { image_log "no project VERSION in CMakeLists.txt"; return 1; }
  echo "iter8-handler:$version"
}

iter8_engine_setup() {
  local engine=${ITER8_ENGINE:-}
  if [[ -z $engine ]]; then
    if command -v podman >/dev/null; then
      engine=podman
    elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
      engine=docker # a docker CLI alone (no daemon answering) does not count
    else
      engine=podman
    fi
  fi
  ENGINE=("$engine")
  if [[ $engine == podman ]]; then
    # runc: rootful podman on hosts with cgroup v1 or the hybrid layout (v1 controllers plus
    # /sys/fs/cgroup/unified) needs it; crun refuses that layout. mmdebstrap: the local base.
    iter8_apt_install podman runc mmdebstrap || return 1
    local runtime=${ITER8_RUNTIME:-}
    if [[ -z $runtime && $(stat -fc %T /sys/fs/cgroup 2>/dev/null) != cgroup2fs ]]; then
      runtime=runc
    fi
    [[ -n $runtime ]] && ENGINE+=(--runtime "$runtime")
  fi
  image_log "engine: ${ENGINE[*]}"
}

# Podman raises a container's nofile and nproc limits as far as it can; in a sandbox that
# refuses that (no CAP_SYS_RESOURCE, or a lower ceiling than `ulimit -H` shows), runc fails
# with "error setting rlimit type 7 (nofile) / 6 (nproc): operation not permitted". Find
# limits that work by starting the base image: the caller's hard limits first, then smaller
# nproc values (here nofile=20000 works, nproc works up to 32768 although `ulimit -Hu` says
# 96365). Sets ENGINE_LIMITS; call after iter8_ensure_base.
iter8_detect_limits() {
  ENGINE_LIMITS=()
  local image=docker.io/library/debian:bookworm-slim
  iter8_image_exists "$image" || image=debian:bookworm-slim
  "${ENGINE[@]}" run --rm "$image" true >/dev/null 2>&1 && return 0
  local nofile nproc candidate opts
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  for candidate in "$nproc" 65536 32768 16384 8192 4096; do
    opts=()
    [[ $nofile != unlimited ]] && opts+=(--ulimit "nofile=$nofile:$nofile")
    [[ $candidate != unlimited ]] && opts+=(--ulimit "nproc=$candidate:$candidate")
    if "${ENGINE[@]}" run --rm "${opts[@]}" "$image" true >/dev/null 2>&1; then
      ENGINE_LIMITS=("${opts[@]}")
      image_log "limits: ${ENGINE_LIMITS[*]}"
      return 0
    fi
  done
  image_log "cannot start a container with ${ENGINE[*]} (tried nofile=$nofile, nproc from $nproc down to 4096):"
  "${ENGINE[@]}" run --rm "$image" true >&2 || true
  return 1
}

iter8_image_exists() {
  if [[ ${ENGINE[0]} == podman ]]; then
    "${ENGINE[@]}" image exists "$1"
  else
    "${ENGINE[@]}" image inspect "$1" >/dev/null 2>&1
  fi
}

# debian:bookworm-slim, from local storage, else the registry, else built from Debian's
# packages with mmdebstrap (podman only) and imported under the registry's full name, so
# that `FROM debian:bookworm-slim` finds it without asking any registry.
iter8_ensure_base() {
  local short=debian:bookworm-slim full=docker.io/library/debian:bookworm-slim
  if iter8_image_exists "$full" || iter8_image_exists "$short"; then
    return 0
  fi
  if [[ ${ITER8_BASE_FROM:-} != local ]]; then
    image_log "pulling $full"
    if timeout 120 "${ENGINE[@]}" pull -q "$full" >/dev/null 2>&1; then
      return 0
    fi
    [[ ${ITER8_BASE_FROM:-} == registry ]] && {
      image_log "cannot pull $full"
      return 1
    }
    image_log "no registry serves $full; building it from Debian's packages with mmdebstrap"
  fi
  [[ ${ENGINE[0]} == podman ]] || {
    image_log "a local base needs podman (set ITER8_ENGINE=podman)"
    return 1
  }
  iter8_apt_install mmdebstrap || return 1
  local mirror=${ITER8_DEBIAN_MIRROR:-http://deb.debian.org} work
  work=$(mktemp -d)
  # minbase: Essential packages and apt, as the official slim image. The merged-usr hook
  # makes /bin, /lib, /sbin links into /usr without installing usrmerge (and perl with it).
  # The dpkg excludes stay in the image (/etc/dpkg/dpkg.cfg.d), as in the official slim
  # image, so later apt-get installs leave out manuals, docs and translations too.
  if ! mmdebstrap --quiet --variant=minbase \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$work/base.tar" \
    "deb $mirror/debian bookworm main" \
    "deb $mirror/debian bookworm-updates main" \
    "deb $mirror/debian-security bookworm-security main"; then
    rm -rf "$work"
    image_log "mmdebstrap failed"
    return 1
  fi
  "${ENGINE[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    "$work/base.tar" "$full" >/dev/null
  rm -rf "$work"
  image_log "made $full locally"
}

# Builds container/Dockerfile as $1 with the options found above; ITER8_BUILD_ARGS adds more.
iter8_build() {
  local tag=$1 extra=() start=$SECONDS
  read -r -a extra <<<"${ITER8_BUILD_ARGS:-}"
  image_log "building $tag"
  "${ENGINE[@]}" build "${ENGINE_LIMITS[@]}" "${extra[@]}" -f container/Dockerfile -t "$tag" . || return 1
  image_log "built $tag in $((SECONDS - start)) s"
}
