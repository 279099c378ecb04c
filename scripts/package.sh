#!/usr/bin/env bash
# Builds the Debian packages uplinkprobe_*.deb, uplinkprobe-server_*.deb and (once the
# collector is built) uplinkprobe-collector_*.deb (CPack, see
# packaging/CMakeLists.txt) and prints their paths. Usage: scripts/package.sh [BUILD_DIR]
# (default build-pkg). Release build; binaries are stripped in the package.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$SRC/build-pkg}"
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target package-deb
ls -1 "$BUILD"/packages/*.deb
