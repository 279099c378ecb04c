#!/usr/bin/env bash
# The availability probes' own traffic stays under 1 kB/s at the default interval: the
# bench program bench/availability_traffic_cost counts loopback bytes per probe round, so it
# runs in a network namespace of its own (nothing else on its lo). Asserts a byte budget,
# not a rate. FAILS ("CANNOT RUN: …") without root or network namespaces.
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$src/tests/lab/lib/netlab.sh"
netlab_require_root_or_skip
bin="${UPLINKPROBE_BUILD_DIR:-$src/build}/bench/availability_traffic_cost"
if [ ! -x "$bin" ]; then
  echo "FAIL: $bin not built"
  exit 1
fi
ns="upavcost$$"
ip netns add "$ns" || { echo "CANNOT RUN: ip netns add failed"; exit 1; }
trap 'ip netns del "$ns" 2>/dev/null' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" "$bin"
