#!/usr/bin/env bash
# Builds the Debian packages uplinkprobe_*.deb, uplinkprobe-server_*.deb and (where the
# collector is built) uplinkprobe-collector_*.deb (CPack, see packaging/CMakeLists.txt) and
# prints their paths. Release build; binaries are stripped in the package.
#
#   scripts/package.sh [--arch amd64|arm64|armhf] [BUILD_DIR]
#
# --arch defaults to this machine's (dpkg --print-architecture). arm64 and armhf are cross
# builds with Debian's cross toolchains and multiarch -dev packages
# (cmake/toolchains/*.cmake; scripts/install-deps.sh installs them). What each builds:
#   amd64, arm64  agent, server, collector
#   armhf         agent, server (the collector's libpq-dev has no co-installable armhf
#                 package, and a school's 32-bit board has no use for a collector)
# BUILD_DIR defaults to build-pkg (this machine's architecture) or build-pkg-ARCH.
# Extra CMake options: UPLINKPROBE_CMAKE_ARGS (e.g. "-DUPLINKPROBE_BUILD_TESTS=OFF").
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
native=$(dpkg --print-architecture 2>/dev/null || echo amd64)
arch="$native"
BUILD=""
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ $# -ge 2 ] || { echo "usage: $0 [--arch amd64|arm64|armhf] [BUILD_DIR]" >&2; exit 64; }
            arch="$2"; shift 2 ;;
    --arch=*) arch="${1#--arch=}"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "usage: $0 [--arch amd64|arm64|armhf] [BUILD_DIR]" >&2; exit 64 ;;
    *) BUILD="$1"; shift ;;
  esac
done

# No -Werror for packages (UPLINKPROBE_WERROR=OFF): a release or cross build with another
# compiler version (Debian's cross GCC, a newer GCC) must not fail on a warning only it emits;
# the native GCC builds of scripts/test.sh hold the tree to -Werror.
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUPLINKPROBE_WERROR=OFF)
case "$arch" in
  "$native") ;;
  arm64) cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/aarch64-linux-gnu.cmake") ;;
  armhf) cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/arm-linux-gnueabihf.cmake"
                      -DUPLINKPROBE_WITH_COLLECTOR=OFF) ;;
  *) echo "package.sh: unknown architecture '$arch' (amd64, arm64, armhf)" >&2; exit 64 ;;
esac
if [ -z "$BUILD" ]; then
  if [ "$arch" = "$native" ]; then BUILD="$SRC/build-pkg"; else BUILD="$SRC/build-pkg-$arch"; fi
fi
# shellcheck disable=SC2206  # word splitting of the extra options is intended
extra=(${UPLINKPROBE_CMAKE_ARGS:-})
cmake -S "$SRC" -B "$BUILD" "${cmake_args[@]}" "${extra[@]}" >/dev/null
cmake --build "$BUILD" -j"${UPLINKPROBE_JOBS:-$(nproc)}" --target package-deb
debs=$(ls -1 "$BUILD"/packages/*_"$arch".deb)
echo "$debs"
