#!/usr/bin/env bash
# Installs everything uplinkprobe needs to build and test, from Debian bookworm's apt only.
# Idempotent: packages already present are skipped, so repeated runs are cheap.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ninja-build git ca-certificates
  libcurl4-openssl-dev libasio-dev libpaho-mqttpp-dev libpaho-mqtt-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev nlohmann-json3-dev
  libtomlplusplus-dev libsystemd-dev libssl-dev ccache
  libsqlite3-dev libpq-dev libxlsxwriter-dev libminizip-dev zlib1g-dev libsodium-dev
  gettext libqrencode-dev
)
test_pkgs=(
  mosquitto mosquitto-clients nginx-light iperf3 iproute2 iptables curl procps
  clang-14 clang-format-14 libclang-rt-14-dev python3
  ethtool iputils-ping
  openssl sqlite3 postgresql-15 python3-jsonschema json-schema-test-suite faketime
  chromium fonts-noto-cjk gettext tmux zbar-tools php-fpm
  lintian devscripts shellcheck file
)

# Cross builds (scripts/cross-test.sh, scripts/package.sh --arch): Debian's cross toolchains,
# the target's multiarch -dev packages, and qemu-user with binfmt to run what they build.
# arm64 builds everything (agent, server, collector); armhf the agent and the server only.
# Not here, on purpose: libpq-dev:arm64 (not Multi-Arch: same — it would REMOVE the amd64
# libpq-dev the collector builds with; the arm64 collector links libpq5:arm64 instead, see
# cmake/toolchains/aarch64-linux-gnu.cmake) and the collector's libraries for armhf.
# libsodium-dev: the agent and the server link its archive (record, udpst: Ed25519, HMAC).
cross_common=(libcurl4-openssl-dev libpaho-mqttpp-dev libpaho-mqtt-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libtomlplusplus-dev libsystemd-dev libssl-dev libqrencode-dev
  libsodium-dev)
cross_pkgs=(crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user-static binfmt-support)
for p in "${cross_common[@]}"; do cross_pkgs+=("$p:arm64" "$p:armhf"); done
for p in libsqlite3-dev libpq5 libxlsxwriter-dev libminizip-dev zlib1g-dev; do
  cross_pkgs+=("$p:arm64")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
foreign=$(dpkg --print-foreign-architectures)
for arch in arm64 armhf; do
  grep -qx "$arch" <<<"$foreign" || $SUDO dpkg --add-architecture "$arch"
done

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}" "${cross_pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# qemu-user runs the arm64/armhf binaries through binfmt_misc (flag F: the interpreter is
# opened when registered). Debian registers it when qemu-user-static is installed, unless
# binfmt_misc was not mounted then (containers): mount it and import the formats again.
register_binfmt() {
  [ -e /proc/sys/fs/binfmt_misc/register ] ||
    $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  for fmt in qemu-aarch64 qemu-arm; do
    if [ ! -e "/proc/sys/fs/binfmt_misc/$fmt" ] && command -v update-binfmts >/dev/null; then
      $SUDO update-binfmts --import "$fmt" >/dev/null 2>&1 || true
      $SUDO update-binfmts --enable "$fmt" >/dev/null 2>&1 || true
    fi
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  register_binfmt
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Services (nginx, mosquitto) must not be started by the package: tests start their own
# instances on loopback with their own configs.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# --no-remove: a multiarch -dev package that is not co-installable must fail here, never
# silently replace the build machine's own.
$SUDO apt-get install -y -qq --no-install-recommends --no-remove "${missing[@]}"
register_binfmt
