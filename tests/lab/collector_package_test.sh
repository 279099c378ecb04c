#!/usr/bin/env bash
# Installs the uplinkprobe-collector .deb on this machine, starts nothing by hand, checks
# Debian's rules and the unit, then purges it:
#   1. cpack builds the package from UPLINKPROBE_BUILD_DIR (binaries already built);
#   2. lintian reports no errors and no warnings except initial-upload-closes-no-bugs (a
#      package outside Debian has no ITP bug to close);
#   3. the binary is hardened (PIE, RELRO, BIND_NOW, stack protector, FORTIFY) and stripped;
#   4. `dpkg -i` works without systemd as PID 1: files, system user, 0750 state directory,
#      config a conffile with mode 0640 root:uplinkprobe-collector, unit enabled;
#   5. `check-config` accepts the installed default config; the unit passes
#      `systemd-analyze verify` and its exposure is <= 2.5 (the agent's bar);
#   6. `dpkg --purge` leaves nothing behind but the database directory (kept on purge: it is
#      evidence) and the system user; this test removes both again if it created them.
# FAILS ("CANNOT RUN: …") without root or dpkg, when the collector is not built, or when the
# package is already installed (a developer's installation is never touched).
set -euo pipefail

SRC="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${UPLINKPROBE_BUILD_DIR:-$SRC/build}"
PKG=uplinkprobe-collector
UNIT=/usr/lib/systemd/system/$PKG.service

if [ "$(id -u)" -ne 0 ]; then echo "CANNOT RUN: needs root (dpkg -i); use ctest -LE root-required"; exit 1; fi
for tool in dpkg dpkg-deb cpack lintian; do
  command -v "$tool" >/dev/null || { echo "CANNOT RUN: $tool not found (scripts/install-deps.sh)"; exit 1; }
done
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || true)
if [ -n "$status" ] && [ "$status" != "not-installed" ]; then
  echo "CANNOT RUN: $PKG is already installed (status: $status); dpkg --purge $PKG to run this"
  exit 1
fi
[ -f "$BUILD/CPackConfig.cmake" ] || { echo "FAIL: no $BUILD/CPackConfig.cmake (configure first)"; exit 1; }
grep -q 'collector' "$BUILD/CPackConfig.cmake" ||
  { echo "CANNOT RUN: the build has no uplinkprobe-collector target (packaging/CMakeLists.txt)"; exit 1; }

WORK=$(mktemp -d /tmp/uplinkprobe-collector-pkgtest.XXXXXX)
USER_EXISTED=0
getent passwd $PKG >/dev/null && USER_EXISTED=1
STATE_EXISTED=0
[ -e /var/lib/$PKG ] && STATE_EXISTED=1
INSTALLED=0
failures=0

cleanup() {
  local rc=$?
  [ "$INSTALLED" = 1 ] && { dpkg --purge "$PKG" >/dev/null 2>&1 || true; }
  [ "$STATE_EXISTED" = 0 ] && rm -rf /var/lib/$PKG
  if [ "$USER_EXISTED" = 0 ] && getent passwd $PKG >/dev/null; then
    userdel $PKG >/dev/null 2>&1 || true
    getent group $PKG >/dev/null && groupdel $PKG >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

echo "== cpack (from $BUILD)"
cmake --build "$BUILD" --target $PKG uplinkprobe-package-files >/dev/null
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/out" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; echo "FAIL: cpack"; exit 1; }
DEB=$(ls "$WORK"/out/${PKG}_*.deb)
ok "built $(basename "$DEB")"
dpkg-deb -I "$DEB" | sed -n '/Package:/,/Description:/p'

echo "== lintian"
lintian --no-cfg --info "$DEB" | tee "$WORK/lintian.txt" || true
if grep -E '^(E|W): ' "$WORK/lintian.txt" | grep -qv 'initial-upload-closes-no-bugs'; then
  fail "lintian reports errors or warnings"
else
  ok "lintian clean"
fi

echo "== hardening"
dpkg-deb -x "$DEB" "$WORK/x"
b="$WORK/x/usr/bin/$PKG"
hdr=$(readelf -hlW "$b"); dyn=$(readelf -dW "$b"); sec=$(readelf -SW "$b"); syms=$(readelf -sW --dyn-syms "$b")
grep -q 'DYN (' <<<"$hdr" || fail "not PIE"
grep -q GNU_RELRO <<<"$hdr" || fail "no RELRO"
grep -Eq 'BIND_NOW|FLAGS.*NOW' <<<"$dyn" || fail "not BIND_NOW"
grep -q '\.debug_info' <<<"$sec" && fail "not stripped"
grep -q '__stack_chk_fail' <<<"$syms" || fail "no stack protector"
grep -q '_chk@' <<<"$syms" || fail "no FORTIFY'd calls"
[ "$failures" = 0 ] && ok "binary hardened and stripped"

echo "== dpkg -i"
INSTALLED=1
dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log"; fail "dpkg -i"; exit 1; }
for f in /usr/bin/$PKG /etc/$PKG/collector.toml $UNIT /usr/lib/sysusers.d/$PKG.conf \
  /usr/share/doc/$PKG/copyright /usr/share/doc/$PKG/changelog.Debian.gz \
  /usr/share/doc/$PKG/collector.md /usr/share/man/man1/$PKG.1.gz; do
  [ -e "$f" ] || fail "missing after install: $f"
done
getent passwd $PKG >/dev/null || fail "no $PKG system user"
[ "$(stat -c %U:%a /var/lib/$PKG)" = $PKG:750 ] || fail "/var/lib/$PKG is $(stat -c %U:%a /var/lib/$PKG)"
[ "$(stat -c %U:%G:%a /etc/$PKG/collector.toml)" = root:$PKG:640 ] ||
  fail "collector.toml is $(stat -c %U:%G:%a /etc/$PKG/collector.toml), want root:$PKG:640"
dpkg-query -W -f='${Conffiles}\n' $PKG | grep -q "/etc/$PKG/collector.toml" || fail "config is not a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/$PKG.service ] || fail "$PKG.service not enabled"
/usr/bin/$PKG --version || fail "--version"
if runuser -u $PKG -- /usr/bin/$PKG check-config --config /etc/$PKG/collector.toml; then
  ok "check-config (as the service user) accepts the installed default config"
else
  fail "check-config rejects the installed default config"
fi
out=$(systemd-analyze verify "$UNIT" 2>&1 | grep -v 'Failed to connect\|Failed to set up\|bus' || true)
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify"; }
score=$(systemd-analyze security --offline=yes "$UNIT" 2>&1 |
  sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
echo "exposure $PKG.service: ${score:-?}"
[ -n "$score" ] && awk -v s="$score" 'BEGIN{exit !(s <= 2.5)}' || fail "exposure ${score:-unknown} > 2.5"

echo "== dpkg --purge"
dpkg --purge $PKG >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
INSTALLED=0
left=$(ls -d /etc/$PKG /usr/bin/$PKG $UNIT /etc/systemd/system/*/$PKG.service \
  /var/lib/systemd/deb-systemd-helper-enabled/$PKG* /var/lib/systemd/deb-systemd-helper-masked/$PKG* \
  /usr/share/doc/$PKG /usr/lib/sysusers.d/$PKG.conf /usr/share/man/man1/$PKG.1.gz 2>/dev/null || true)
if [ -n "$left" ]; then fail "left behind after purge: $left"; else ok "nothing left behind but the database"; fi
[ -d /var/lib/$PKG ] || fail "purge deleted the database directory"

if [ "$failures" -gt 0 ]; then echo "FAILED: $failures check(s)"; exit 1; fi
echo "PASSED"
