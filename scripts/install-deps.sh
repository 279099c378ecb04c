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
  lintian devscripts
)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
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
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
