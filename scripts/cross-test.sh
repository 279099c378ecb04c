#!/usr/bin/env bash
# Cross-builds the Debian packages for one ARM architecture and tests them on this machine
# under qemu-user (Debian's qemu-user-static, through binfmt_misc):
#   1. scripts/package.sh --arch ARCH (Debian's cross toolchain + multiarch -dev packages);
#   2. every packaged binary is an ELF of the right machine (readelf -h, file);
#   3. lintian: no errors (warnings are printed);
#   4. emulated: `uplinkprobe --version`; `check-config` of the packaged default config (exit
#      78 naming `commission`: the placeholder identity) and of the same file with a real
#      identity (exit 0); `uplinkprobe-server --version`; collector --version on arm64;
#   5. emulated loopback test: the packaged uplinkprobe-server on 127.0.0.1 (port 0) and one
#      `uplinkprobe test --download-only --json` against it, both under qemu; the record must
#      carry the download's bytes and no error (rates are not asserted). Download only:
#      qemu-user (7.2) truncates getsockopt(TCP_INFO) to 4 bytes, and the agent counts upload
#      as the bytes the server acknowledged (tcpi_bytes_acked), so under emulation every
#      upload ends "no upload data" — an artefact of the emulator, not of the ARM build;
#   6. with --unit: the unit tests (ctest -L unit, the test binaries run by qemu via
#      CMAKE_CROSSCOMPILING_EMULATOR; the Python ones run the ARM binaries through binfmt).
#
#   scripts/cross-test.sh arm64|armhf [--unit] [BUILD_DIR]     (default BUILD_DIR build-cross-ARCH)
#
# Exit 0 only when every step passed; any failure exits 1 (never skipped: a missing
# toolchain, emulator or binfmt registration is a failure, "CANNOT RUN").
# Figures it prints (sizes, idle RSS under emulation) feed docs/benchmarks.md.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
usage() { echo "usage: $0 arm64|armhf [--unit] [BUILD_DIR]" >&2; exit 64; }
[ $# -ge 1 ] || usage
arch="$1"; shift
unit=0
BUILD=""
for a in "$@"; do
  case "$a" in
    --unit) unit=1 ;;
    -*) usage ;;
    *) BUILD="$a" ;;
  esac
done
case "$arch" in
  arm64) machine="AArch64"; filearch="ARM aarch64"; qemu="qemu-aarch64-static"; triplet=aarch64-linux-gnu
         bins=(uplinkprobe uplinkprobe-server uplinkprobe-collector) ;;
  armhf) machine="ARM"; filearch="ARM, EABI5"; qemu="qemu-arm-static"; triplet=arm-linux-gnueabihf
         bins=(uplinkprobe uplinkprobe-server) ;;
  *) usage ;;
esac
BUILD="${BUILD:-$SRC/build-cross-$arch}"
started=$(date +%s)
failures=0
fail() { echo "FAIL [$arch]: $*"; failures=$((failures + 1)); }
ok() { echo "ok [$arch]: $*"; }

for tool in "$triplet-g++" "$qemu" readelf file lintian dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "CANNOT RUN [$arch]: $tool not found (scripts/install-deps.sh)"; exit 1; }
done
binfmt=/proc/sys/fs/binfmt_misc/${qemu%-static}
if [ ! -e "$binfmt" ] || ! grep -q '^enabled' "$binfmt"; then
  echo "CANNOT RUN [$arch]: binfmt_misc has no enabled ${qemu%-static} entry (scripts/install-deps.sh registers it)"
  exit 1
fi

WORK=$(mktemp -d "/tmp/uplinkprobe-cross-$arch.XXXXXX")
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. packages ----
echo "== [$arch] cross build and packages ($BUILD)"
t0=$(date +%s)
"$SRC/scripts/package.sh" --arch "$arch" "$BUILD" >"$WORK/package.log" 2>&1 ||
  { tail -50 "$WORK/package.log"; echo "FAIL [$arch]: scripts/package.sh --arch $arch"; exit 1; }
echo "   packages built in $(( $(date +%s) - t0 )) s"
mapfile -t debs < <(ls -1 "$BUILD"/packages/*_"$arch".deb)
root="$WORK/root"
mkdir -p "$root"
for want in "${bins[@]}"; do
  deb=$(ls "$BUILD"/packages/"$want"_*_"$arch".deb 2>/dev/null || true)
  [ -n "$deb" ] || { fail "no $want .deb"; continue; }
  dpkg-deb -x "$deb" "$root"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$want: Architecture is not $arch"
  printf '   %-24s %6s KiB deb, Installed-Size %s KiB\n' "$want" "$(( $(stat -c %s "$deb") / 1024 ))" \
    "$(dpkg-deb -f "$deb" Installed-Size)"
done

# ---- 2. ELF machine ----
for b in "${bins[@]}"; do
  f="$root/usr/bin/$b"
  [ -f "$f" ] || { fail "$b missing from its package"; continue; }
  m=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
  desc=$(file -b "$f")
  if [ "$m" = "$machine" ] && [[ "$desc" == *"$filearch"* ]] && [[ "$desc" == *stripped* ]] &&
     [[ "$desc" != *"not stripped"* ]]; then
    ok "$b: ELF machine $m, stripped ($(( $(stat -c %s "$f") / 1024 )) KiB)"
  else
    fail "$b: ELF machine '$m' / file '$desc' (want $machine, $filearch, stripped)"
  fi
done

# ---- 3. lintian ----
lintian --no-cfg "${debs[@]}" >"$WORK/lintian.txt" 2>&1 || true
cat "$WORK/lintian.txt"
if grep -q '^E: ' "$WORK/lintian.txt"; then fail "lintian reports errors"; else ok "lintian: no errors"; fi

# ---- 4. emulated smoke ----
# The .debs' own binaries, run from the unpacked tree; their libraries are the multiarch
# runtime packages that the -dev packages pulled in (/usr/lib/$triplet).
UP="$root/usr/bin/uplinkprobe"
if out=$("$UP" --version 2>&1) && [[ "$out" == uplinkprobe\ * ]]; then ok "emulated: $out"; else fail "uplinkprobe --version: $out"; fi
if out=$("$root/usr/bin/uplinkprobe-server" --version 2>&1); then ok "emulated: $out"; else fail "uplinkprobe-server --version: $out"; fi
if [ "$arch" = arm64 ]; then
  if out=$("$root/usr/bin/uplinkprobe-collector" --version 2>&1); then ok "emulated: $out"; else fail "uplinkprobe-collector --version: $out"; fi
fi
conf="$root/etc/uplinkprobe/uplinkprobe.toml"
rc=0; "$UP" check-config --config "$conf" >"$WORK/cc.out" 2>&1 || rc=$?
if [ "$rc" = 78 ] && grep -q "uplinkprobe commission" "$WORK/cc.out"; then
  ok "emulated check-config refuses the packaged default's placeholder identity (78, names commission)"
else
  cat "$WORK/cc.out"; fail "check-config of the packaged default: exit $rc, want 78 naming commission"
fi
sed -e 's/"school-0001-probe-1"/"cross-probe-1"/' -e 's/"220102-0001"/"220102-0999"/' "$conf" >"$WORK/real.toml"
if "$UP" check-config --config "$WORK/real.toml" >"$WORK/cc2.out" 2>&1; then
  ok "emulated check-config accepts the packaged default with a real identity"
else
  cat "$WORK/cc2.out"; fail "check-config of the packaged default with a real identity"
fi

# ---- 5. emulated loopback test ----
"$root/usr/bin/uplinkprobe-server" --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
port=""
for _ in $(seq 1 300); do   # bounded: 30 s for an emulated start
  port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/server.out" | head -1)
  [ -n "$port" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  cat "$WORK/server.out" "$WORK/server.err"; fail "emulated uplinkprobe-server did not start"
else
  rss_server=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
  mkdir -p "$WORK/journal"
  sed -e "s|^dir = .*|dir = \"$WORK/journal\"|" -e "s|^url = .*|url = \"http://127.0.0.1:$port/\"|" \
      -e 's/^max_seconds = .*/max_seconds = 4/' -e 's/^max_mb_per_direction = .*/max_mb_per_direction = 32/' \
      -e 's/^max_mb_ceiling = .*/max_mb_ceiling = 32/' \
      "$WORK/real.toml" >"$WORK/loop.toml"
  rc=0
  # Through python only to read the peak RSS of the emulated test (getrusage of the child).
  python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:], timeout=120).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$WORK/test.maxrss" "$UP" test --config "$WORK/loop.toml" --download-only --target 1 --json \
    >"$WORK/test.json" 2>"$WORK/test.err" || rc=$?
  if [ "$rc" -le 1 ] && python3 - "$WORK/test.json" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["kind"] == "throughput", r.get("kind")
assert r.get("error") is None, r.get("error")
assert r["download"]["bytes"] > 0, r["download"]
assert r["download"]["stop_reason"] != "error", r["download"]
print(f'   download {r["download"]["goodput_mbps"]:.1f} Mbps goodput, {r["download"]["bytes"]} bytes '
      f'(emulated, loopback: not a figure of any board)')
EOF
  then
    ok "emulated loopback test (download): exit $rc, measured, no error"
  else
    cat "$WORK/test.json" "$WORK/test.err"; fail "emulated loopback uplinkprobe test (exit $rc)"
  fi
  echo "   peak RSS under emulation of that test (qemu included): uplinkprobe $(cat "$WORK/test.maxrss" 2>/dev/null || echo ?) kB"
  echo "   idle RSS under emulation: uplinkprobe-server ${rss_server:-?} kB"
fi
# Idle RSS of the agent's daemon under emulation: `run` with the loopback config (its broker
# is absent: the agent keeps retrying in the background, which is its idle state).
"$UP" run --config "$WORK/loop.toml" >"$WORK/run.out" 2>&1 &
run_pid=$!
sleep 5   # a figure, not a test
rss_agent=$(awk '/^VmRSS/ {print $2}' "/proc/$run_pid/status" 2>/dev/null || true)
# The shared libraries it loaded (qemu maps the target's files into its own address space):
# the flash a board needs besides the package, when none of them is installed yet.
libs=$(awk '$6 ~ /\.so/ {print $6}' "/proc/$run_pid/maps" 2>/dev/null | sort -u || true)
lib_kib=0
for l in $libs; do lib_kib=$((lib_kib + $(stat -L -c %s "$l") / 1024)); done
echo "   shared libraries the agent loads: $(echo "$libs" | grep -c .) files, $lib_kib KiB"
kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true
echo "   idle RSS under emulation (qemu's own memory included): uplinkprobe run ${rss_agent:-?} kB"

# ---- 6. unit tests under emulation ----
if [ "$unit" = 1 ]; then
  echo "== [$arch] unit tests under qemu"
  t0=$(date +%s)
  mapfile -t unit_targets < <(ninja -C "$BUILD" -t targets all | sed -n 's/^\(unit_[A-Za-z0-9_]*\): phony$/\1/p')
  [ ${#unit_targets[@]} -gt 0 ] || fail "no unit test targets in $BUILD"
  # Tests that cannot pass here, each with its reason, printed (never dropped silently):
  excluded=("TcpInfo.LoopbackConnectionReportsAckedBytes|qemu-user 7.2 returns 4 bytes of getsockopt(TCP_INFO), not the struct")
  if [ "$arch" = armhf ]; then
    excluded+=("SchemaValidator.NumbersCompareExactly|armhf: long double is 64-bit on ARM32; record/schema_validator.cpp assumes x86-64's 80-bit one, so 2^53+1 == 2^53 there (the collector's validator; armhf has no collector) - a real armhf bug, reported in issue 14")
  fi
  exclude_re=""
  for e in "${excluded[@]}"; do
    echo "   EXCLUDED under emulation: ${e%%|*} — ${e#*|}"
    exclude_re="${exclude_re:+$exclude_re|}^${e%%|*}\$"
  done
  exclude_re="${exclude_re//./\.}"
  if cmake --build "$BUILD" -j"${UPLINKPROBE_JOBS:-$(nproc)}" --target "${unit_targets[@]}" >"$WORK/unit-build.log" 2>&1; then
    if (cd "$BUILD" && ctest -L unit -E "$exclude_re" -j"${UPLINKPROBE_JOBS:-$(nproc)}" --output-on-failure >"$WORK/ctest.log" 2>&1); then
      ok "$(grep -E 'tests passed' "$WORK/ctest.log")"
    else
      tail -60 "$WORK/ctest.log"; fail "unit tests under qemu"
    fi
  else
    tail -60 "$WORK/unit-build.log"; fail "building the unit tests"
  fi
  echo "   unit tests built and run in $(( $(date +%s) - t0 )) s"
fi

echo "== [$arch] $failures failure(s) in $(( $(date +%s) - started )) s"
[ "$failures" = 0 ]
