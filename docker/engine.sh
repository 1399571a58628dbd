# shellcheck shell=bash
# Sourced by the docker/ scripts. Picks a container engine and defines `ctr`, which runs it with the
# flags this kind of host needs. Sets CS_ENGINE to docker|podman, or leaves it empty when none can run.
#
# Order: $CONTAINER_ENGINE if set; a Docker client that reaches a daemon; Podman; and, only as root
# with apt-get and CS_INSTALL_PODMAN!=0, Podman installed on the spot (how .ci/run gets one on a
# daemonless Debian host).

CS_ENGINE=""
CS_PODMAN_FLAGS=()

_cs_podman_setup() {
  # Without a systemd user session or a writable cgroup v2 tree the defaults fail; these flags are the
  # ones that work both on a VM and inside an unprivileged CI container.
  # default_ulimits=[] because podman 4 otherwise asks for nofile limits the host may refuse.
  CS_CONTAINERS_CONF="${TMPDIR:-/tmp}/config-service-containers.conf"
  printf '[containers]\ndefault_ulimits = []\n' >"$CS_CONTAINERS_CONF"
  export CONTAINERS_CONF="$CS_CONTAINERS_CONF"
  local base=(--cgroup-manager cgroupfs --events-backend file)
  if command -v runc >/dev/null 2>&1; then base+=(--runtime runc); fi
  # overlay is far faster than vfs; vfs is the fallback where the kernel or an outer overlay refuses it.
  # A storage already created with one driver cannot be opened with the other, so probe in that order.
  local driver
  for driver in ${CS_STORAGE_DRIVER:-overlay vfs}; do
    if podman --storage-driver "$driver" "${base[@]}" info >/dev/null 2>&1; then
      CS_PODMAN_FLAGS=(--storage-driver "$driver" "${base[@]}")
      CS_ENGINE=podman
      return 0
    fi
  done
  return 1
}

cs_detect_engine() {
  case "${CONTAINER_ENGINE:-}" in
    docker) docker info >/dev/null 2>&1 && CS_ENGINE=docker; return 0 ;;
    podman) command -v podman >/dev/null 2>&1 && _cs_podman_setup; return 0 ;;
  esac
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    CS_ENGINE=docker
    return 0
  fi
  if ! command -v podman >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
      && [ "${CS_INSTALL_PODMAN:-1}" != 0 ]; then
    echo "engine: no usable docker daemon and no podman; installing podman and runc with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc >/dev/null 2>&1; } \
      || echo "engine: apt-get could not install podman" >&2
  fi
  if command -v podman >/dev/null 2>&1; then
    _cs_podman_setup || echo "engine: podman is installed but cannot run containers here" >&2
  fi
  return 0
}

ctr() {
  case "$CS_ENGINE" in
    docker) docker "$@" ;;
    podman) podman "${CS_PODMAN_FLAGS[@]}" "$@" ;;
    *) echo "ctr: no container engine" >&2; return 127 ;;
  esac
}

# Build flags that differ between engines: podman here has no privileges for the default (OCI)
# isolation, chroot isolation runs RUN steps without new namespaces.
cs_build_flags() {
  if [ "$CS_ENGINE" = podman ]; then echo "--isolation chroot"; fi
}
