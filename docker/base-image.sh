#!/usr/bin/env bash
# Builds the local JRE base image config-service-base:bookworm from Debian packages with debootstrap,
# for hosts that reach the Debian mirror but no container registry (so eclipse-temurin cannot be pulled).
# Cached: does nothing when the image already exists (FORCE=1 rebuilds). Needs root.
#
# The result: Debian 12 minbase + openjdk-17-jre-headless + curl (for HEALTHCHECK); java is on PATH
# (/usr/bin/java -> /usr/lib/jvm/java-17-openjdk-amd64/bin/java), JAVA_HOME is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine.sh
source "$here/engine.sh"

IMAGE="${BASE_IMAGE_NAME:-config-service-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm

cs_detect_engine
if [ -z "$CS_ENGINE" ]; then echo "base-image: no container engine can run here" >&2; exit 2; fi
if [ "${FORCE:-0}" != 1 ] && ctr image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base-image: $IMAGE exists (FORCE=1 to rebuild)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "base-image: debootstrap needs root" >&2; exit 2; fi
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
fi

start=$(date +%s)
rootfs="$(mktemp -d /var/tmp/config-service-base.XXXXXX)"
trap 'rm -rf "$rootfs" "$rootfs.log"' EXIT INT TERM
echo "base-image: debootstrap $SUITE into $rootfs (several minutes)"
debootstrap --variant=minbase --include=openjdk-17-jre-headless,curl,ca-certificates \
  "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 \
  || { tail -30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

# Things a runtime image never reads: package caches and lists, docs, man pages, locales, logs, and the
# build host's resolv.conf/hostname (the engine provides its own).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"

# /usr/bin/java -> /etc/alternatives/java -> the JRE; resolved inside the rootfs, not on this host.
java_bin="$(readlink "$rootfs/etc/alternatives/java")"
java_home="${java_bin%/bin/java}"
[ -x "$rootfs$java_bin" ] || { echo "base-image: no java in the rootfs ($java_bin)" >&2; exit 1; }
echo "base-image: JAVA_HOME=$java_home"

tar -C "$rootfs" --numeric-owner -c . | ctr import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV JAVA_HOME=$java_home" \
  --change "ENV LANG=C.UTF-8" \
  --change 'CMD ["/bin/bash"]' \
  - "$IMAGE" >/dev/null
echo "base-image: built $IMAGE in $(( $(date +%s) - start ))s"
ctr image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -F "${IMAGE%%:*}" || true
