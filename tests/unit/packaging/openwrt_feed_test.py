#!/usr/bin/python3
"""packaging/openwrt/ (the OpenWrt feed) stays consistent although it cannot be built here
(no OpenWrt SDK on this machine; packaging/openwrt/README.md says what to run with one):

- every package Makefile has the variables OpenWrt's package.mk needs (PKG_NAME, PKG_VERSION,
  PKG_RELEASE, PKG_LICENSE, and for downloaded sources PKG_SOURCE, PKG_SOURCE_URL, PKG_HASH),
  defines the package(s) it builds with BuildPackage, and uses cmake.mk where it builds;
- uplinkprobe's PKG_VERSION is the CMake project's version;
- every DEPENDS / PKG_BUILD_DEPENDS names a package of this feed or a known one of OpenWrt's
  base and packages feeds, never a build-only package as a runtime dependency;
- the agent's DEPENDS cover every shared library the built agent really links (readelf -d of
  UPLINKPROBE_BIN): a new library in the agent fails here until the feed has it;
- the procd init script passes `sh -n` and shellcheck, and its UCI -> TOML translation, run
  with the UCI functions stubbed, writes a file that TOML parses back to the same values and
  that `uplinkprobe check-config` accepts; invalid UCI writes nothing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

SRC = os.environ.get("UPLINKPROBE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
FEED = os.path.join(SRC, "packaging", "openwrt")
INIT = os.path.join(FEED, "uplinkprobe", "files", "uplinkprobe.init")
UCI = os.path.join(FEED, "uplinkprobe", "files", "uplinkprobe.config")
AGENT = os.environ.get("UPLINKPROBE_BIN")

# Packages of OpenWrt's own feeds (base, packages) that this feed may depend on.
OPENWRT_PACKAGES = {"libstdcpp", "libcurl", "libopenssl", "libfmt", "libqrencode", "zoneinfo-asia",
                    "nlohmannjson", "gettext-full/host", "libpthread", "librt", "libsodium"}
# Shared libraries the agent dlopen()s (soname -> OpenWrt package): not in DT_NEEDED.
DLOPENED = {"libcurl.so.4": "libcurl", "libpaho-mqtt3a.so.1": "libpaho-mqtt-c",
            "libpaho-mqtt3as.so.1": "libpaho-mqtt-c"}
# Shared library (soname stem) -> the OpenWrt package that provides it; None: the toolchain.
# Runtimes of the sanitizer build (scripts/test.sh step 3), not of the agent.
SANITIZER_RUNTIMES = {"libasan", "libubsan", "liblsan", "libtsan"}
LIBRARY_PACKAGE = {"libcurl": "libcurl", "libpaho-mqttpp3": "libpaho-mqtt-cpp",
                   "libpaho-mqtt3a": "libpaho-mqtt-c", "libpaho-mqtt3as": "libpaho-mqtt-c", "libspdlog": "libspdlog",
                   "libfmt": "libfmt", "libcrypto": "libopenssl", "libssl": "libopenssl",
                   "libqrencode": "libqrencode", "libsodium": "libsodium", "libstdc++": "libstdcpp", "libc": None, "libm": None, "libgcc_s": None,
                   "ld-linux-x86-64": None, "ld-linux-aarch64": None, "ld-linux-armhf": None,
                   # header-only on OpenWrt (PKG_BUILD_DEPENDS tomlplusplus)
                   "libtomlplusplus": "tomlplusplus",
                   # off on OpenWrt (-DUPLINKPROBE_WITH_SYSTEMD=OFF; procd supervises)
                   "libsystemd": None}


def parse_makefile(path):
    """Top-level variables (:=, =, +=, ?=) and define blocks of an OpenWrt package Makefile."""
    text = read(path)
    text = re.sub(r"\\\n\s*", " ", text)  # line continuations
    variables, defines, calls, includes = {}, {}, [], []
    block_name, block = None, []
    for line in text.splitlines():
        if block_name is not None:
            if line.strip() == "endef":
                defines[block_name] = "\n".join(block)
                block_name = None
            else:
                block.append(line)
            continue
        if line.startswith("define "):
            block_name, block = line[len("define "):].strip(), []
            continue
        if line.startswith("include "):
            includes.append(line.split(None, 1)[1].strip())
            continue
        m = re.match(r"^\$\(eval \$\(call BuildPackage,([^)]+)\)\)$", line.strip())
        if m:
            calls.append(m.group(1))
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(:=|\+=|\?=|=)\s*(.*)$", line)
        if m and not line.startswith("\t"):
            name, op, value = m.groups()
            variables[name] = (variables.get(name, "") + " " + value).strip() if op == "+=" else value.strip()
    if block_name is not None:
        raise AssertionError(f"{path}: define {block_name} has no endef")
    return variables, defines, calls, includes


def block_field(block, field):
    """FIELD:=value (or +=) inside a define Package/... block."""
    values = []
    for line in block.splitlines():
        m = re.match(rf"^\s*{field}\s*(:=|\+=)\s*(.*)$", line)
        if m:
            values.append(m.group(2).strip())
    return " ".join(values)


def cmake_project_version():
    text = read(os.path.join(SRC, "CMakeLists.txt"))
    return re.search(r"project\(uplinkprobe VERSION ([0-9.]+)", text).group(1)


class Feed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.packages = {}   # package name -> (dir, block)
        cls.makefiles = {}  # dir -> parsed
        for d in sorted(os.listdir(FEED)):
            mk = os.path.join(FEED, d, "Makefile")
            if not os.path.isfile(mk):
                continue
            parsed = parse_makefile(mk)
            cls.makefiles[d] = parsed
            for name, body in parsed[1].items():
                if name.startswith("Package/") and name.count("/") == 1:
                    cls.packages[name.split("/", 1)[1]] = (d, body)

    def test_the_feed_has_the_agent_and_the_libraries_openwrt_lacks(self):
        self.assertEqual(set(self.makefiles),
                         {"uplinkprobe", "paho-mqtt-c", "paho-mqtt-cpp", "spdlog", "asio", "tomlplusplus"})

    def test_every_makefile_has_the_package_mk_variables(self):
        for d, (variables, defines, calls, includes) in self.makefiles.items():
            with self.subTest(makefile=d):
                self.assertEqual(variables.get("PKG_NAME"), d)
                self.assertRegex(variables.get("PKG_VERSION", ""), r"^[0-9]+(\.[0-9]+)+$")
                self.assertRegex(variables.get("PKG_RELEASE", ""), r"^[0-9]+$")
                self.assertTrue(variables.get("PKG_LICENSE"))
                self.assertEqual(includes[0], "$(TOPDIR)/rules.mk")
                self.assertIn("$(INCLUDE_DIR)/package.mk", includes)
                if d != "uplinkprobe":  # the agent is built from this tree (Build/Prepare)
                    self.assertTrue(variables.get("PKG_SOURCE", "").startswith("$(PKG_NAME)-$(PKG_VERSION)."))
                    self.assertRegex(variables.get("PKG_SOURCE_URL", ""), r"^https://")
                    # 'skip' until `make package/NAME/check FIXUP=1` writes the real SHA-256
                    self.assertRegex(variables.get("PKG_HASH", ""), r"^([0-9a-f]{64}|skip)$")
                if d != "asio":  # headers only, copied in Build/InstallDev
                    self.assertIn("$(INCLUDE_DIR)/cmake.mk", includes)
                self.assertTrue(calls, "no $(eval $(call BuildPackage,...))")
                for pkg in calls:
                    self.assertIn(f"Package/{pkg}", defines)
                    block = defines[f"Package/{pkg}"]
                    for field in ("SECTION", "CATEGORY", "TITLE", "URL"):
                        self.assertTrue(block_field(block, field), f"{pkg}: no {field}")

    def test_the_agent_version_is_the_cmake_projects(self):
        self.assertEqual(self.makefiles["uplinkprobe"][0]["PKG_VERSION"], cmake_project_version())

    def test_dependencies_name_known_packages(self):
        buildonly = {p for p, (_, b) in self.packages.items() if block_field(b, "BUILDONLY") == "1"}
        known = set(self.packages) | OPENWRT_PACKAGES
        source_names = set(self.makefiles)
        for pkg, (d, block) in self.packages.items():
            for dep in block_field(block, "DEPENDS").split():
                if dep.startswith("$("):
                    continue  # e.g. $(INTL_DEPENDS)
                with self.subTest(package=pkg, depends=dep):
                    self.assertTrue(dep.startswith("+"), "runtime dependencies are selected (+pkg)")
                    self.assertIn(dep[1:], known)
                    self.assertNotIn(dep[1:], buildonly)
        for d, (variables, *_rest) in self.makefiles.items():
            for dep in variables.get("PKG_BUILD_DEPENDS", "").split():
                with self.subTest(makefile=d, build_depends=dep):
                    self.assertTrue(dep in source_names or dep in OPENWRT_PACKAGES, dep)

    def test_the_agents_depends_cover_the_libraries_it_links(self):
        self.assertTrue(AGENT and os.path.exists(AGENT), "UPLINKPROBE_BIN (set by ctest) must name the agent")
        out = subprocess.run(["readelf", "-d", AGENT], check=True, capture_output=True, text=True).stdout
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
        self.assertTrue(needed)
        block = self.packages["uplinkprobe"][1]
        depends = {d[1:] for d in block_field(block, "DEPENDS").split() if d.startswith("+")}
        build_depends = set(self.makefiles["uplinkprobe"][0]["PKG_BUILD_DEPENDS"].split())
        for soname in needed:
            stem = soname.split(".so")[0]
            if stem in SANITIZER_RUNTIMES:
                continue  # the ASan+UBSan build of CI links these; no package ever does
            with self.subTest(library=soname):
                self.assertIn(stem, LIBRARY_PACKAGE, f"{soname}: which OpenWrt package provides it?")
                pkg = LIBRARY_PACKAGE[stem]
                if pkg is not None:
                    self.assertIn(pkg, depends | build_depends)

    def test_the_agents_depends_cover_the_libraries_it_dlopens(self):
        # agent/measure/curl_library.cpp loads libcurl for a throughput test: no DT_NEEDED entry,
        # so the test above cannot see it. The soname must still be in the binary (the list
        # stays true) and its package in DEPENDS.
        self.assertTrue(AGENT and os.path.exists(AGENT), "UPLINKPROBE_BIN (set by ctest) must name the agent")
        with open(AGENT, "rb") as f:
            binary = f.read()
        depends = {d[1:] for d in block_field(self.packages["uplinkprobe"][1], "DEPENDS").split()
                   if d.startswith("+")}
        for soname, pkg in DLOPENED.items():
            with self.subTest(library=soname):
                self.assertIn(soname.encode() + b"\0", binary, f"the agent no longer loads {soname}?")
                self.assertIn(pkg, depends)

    def test_the_cmake_options_match_what_openwrt_lacks(self):
        options = self.makefiles["uplinkprobe"][0]["CMAKE_OPTIONS"]
        for opt in ("-DUPLINKPROBE_WITH_COLLECTOR=OFF", "-DUPLINKPROBE_BUILD_TESTS=OFF",
                    "-DUPLINKPROBE_WITH_SYSTEMD=OFF"):
            self.assertIn(opt, options)
        cmake = read(os.path.join(SRC, "CMakeLists.txt"))
        for option in ("UPLINKPROBE_WITH_COLLECTOR", "UPLINKPROBE_BUILD_TESTS", "UPLINKPROBE_WITH_SYSTEMD"):
            self.assertIn(f"option({option} ", cmake)


STUBS = r'''
# Stand-ins for OpenWrt's /lib/functions.sh and procd.sh, driven by UCI_<section>_<option>
# variables (lists space separated) and UCI_INVALID_<section>=1 (validate_data's verdict).
config_load() { :; }
config_foreach() { fn="$1"; for s in $UCI_SERVERS; do "$fn" "$s"; done; }
uci_get() { [ "$2" = control ] && [ -n "$UCI_HAS_CONTROL" ]; }
logger() { :; }
chgrp() { :; }
uci_load_validate() {
	_sect="$3"; _fn="$4"; shift 4
	for _spec in "$@"; do
		_opt="${_spec%%:*}"; _rest="${_spec#*:}"; _default=""
		case "$_rest" in *:*) _default="${_rest##*:}" ;; esac
		eval "_val=\${UCI_${_sect}_${_opt}-\$_default}"
		eval "$_opt=\$_val"
	done
	eval "_invalid=\${UCI_INVALID_${_sect}:-0}"
	"$_fn" "$_sect" "$_invalid"
}
'''


def uci_values():
    """The shipped /etc/config/uplinkprobe as UCI_<section>_<option> assignments."""
    values, section, servers = {}, None, []
    for line in read(UCI).splitlines():
        words = line.strip().split(None, 2)
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "config":
            if len(words) == 3:
                section = words[2].strip("'")
            else:
                section = f"server{len(servers) + 1}"
                servers.append(section)
        elif words[0] in ("option", "list"):
            value = words[2].strip("'") if len(words) == 3 else ""
            key = f"UCI_{section}_{words[1]}"
            values[key] = (values[key] + " " + value) if words[0] == "list" and key in values else value
    values["UCI_SERVERS"] = " ".join(servers)
    return values


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


class InitScript(unittest.TestCase):
    def test_sh_n(self):
        r = subprocess.run(["sh", "-n", INIT], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_shellcheck(self):
        self.assertTrue(shutil.which("shellcheck"), "shellcheck (scripts/install-deps.sh installs it)")
        # SC3043: 'local' is not POSIX, but OpenWrt's ash (and every rc.common script) has it.
        r = subprocess.run(["shellcheck", "-s", "sh", "-e", "SC3043", INIT], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)

    def generate(self, values):
        """Runs the init script's generate_config with the stubs; returns (rc, toml or None)."""
        with tempfile.TemporaryDirectory() as tmp:
            driver = os.path.join(tmp, "driver.sh")
            with open(driver, "w", encoding="utf-8") as f:
                f.write(STUBS)
                for k, v in values.items():
                    f.write(f"{k}={sh_quote(v)}\n")
                f.write(f". {sh_quote(INIT)}\n")
                f.write(f"RUN_DIR={sh_quote(tmp + '/run')}\nCONF=\"$RUN_DIR/uplinkprobe.toml\"\n"
                        "PASSWORD_FILE=\"$RUN_DIR/mqtt.password\"\n"
                        "generate_config\n")
            r = subprocess.run(["sh", driver], capture_output=True, text=True, timeout=30)
            conf = os.path.join(tmp, "run", "uplinkprobe.toml")
            text = read(conf) if os.path.exists(conf) else None
            password = os.path.join(tmp, "run", "mqtt.password")
            pw = read(password) if os.path.exists(password) else None
            mode = oct(os.stat(password).st_mode & 0o777) if pw is not None else None
            checked = None
            if text is not None and AGENT:
                checked = subprocess.run([AGENT, "check-config", "--config", conf],
                                         capture_output=True, text=True, timeout=60)
            return r, text, pw, mode, checked

    def test_the_shipped_uci_config_becomes_the_toml_the_agent_accepts_once_identified(self):
        values = uci_values()
        values["UCI_identity_device_id"] = "jl-0042-p1"
        values["UCI_identity_school_id"] = "220102-0042"
        values["UCI_identity_school_name"] = '南湖"小学" \\ 一校区'
        values["UCI_mqtt_username"] = "jl-0042-p1"
        values["UCI_mqtt_password"] = "s3cret'\"pw"
        r, text, pw, mode, checked = self.generate(values)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = tomllib.loads(text)
        self.assertEqual(doc["identity"]["device_id"], "jl-0042-p1")
        self.assertEqual(doc["identity"]["school_name"], '南湖"小学" \\ 一校区')
        self.assertEqual(doc["schedule"]["windows"], ["08:00-17:00"])
        self.assertEqual(doc["availability"]["tcp_targets"],
                         ["www.baidu.com:443", "www.qq.com:443", "www.gov.cn:443"])
        self.assertEqual(doc["servers"][0]["url"], "http://127.0.0.1:8080/")
        self.assertEqual(doc["target"]["floor_down_mbps"], 100)
        self.assertEqual(doc["storage"]["dir"], "/etc/uplinkprobe/journal")
        # The password is in its own 0640 file, not in the TOML.
        self.assertNotIn("s3cret", text)
        self.assertEqual(pw, "s3cret'\"pw")
        self.assertEqual(mode, "0o640")
        self.assertTrue(doc["mqtt"]["password_file"].endswith("/mqtt.password"))
        self.assertTrue(AGENT, "UPLINKPROBE_BIN (set by ctest) must name the agent")
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_a_udpst_server_and_the_method_reach_the_toml(self):
        values = uci_values()
        values["UCI_identity_device_id"] = "jl-0042-p1"
        values["UCI_identity_school_id"] = "220102-0042"
        values["UCI_target_method"] = "both"
        values["UCI_SERVERS"] += " server9"
        values.update({"UCI_server9_name": "udp", "UCI_server9_kind": "udpst",
                       "UCI_server9_url": "udpst://127.0.0.1:25000", "UCI_server9_key_id": "7"})
        r, text, _, _, checked = self.generate(values)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = tomllib.loads(text)
        self.assertEqual(doc["target"]["method"], "both")
        self.assertEqual(doc["servers"][1], {"name": "udp", "kind": "udpst",
                                             "url": "udpst://127.0.0.1:25000", "key_id": 7})
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_the_shipped_placeholder_identity_is_refused_by_check_config(self):
        r, text, _, _, checked = self.generate(uci_values())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(checked.returncode, 78, checked.stdout + checked.stderr)

    def test_an_invalid_section_writes_no_config(self):
        values = uci_values()
        values["UCI_INVALID_availability"] = "1"
        r, text, *_ = self.generate(values)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(text)
        self.assertIn("availability", r.stderr)

    def test_a_control_character_in_a_value_writes_no_config(self):
        values = uci_values()
        values["UCI_identity_school_name"] = "line one\nline two"
        r, text, *_ = self.generate(values)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(text)
        self.assertIn("control characters", r.stderr)

    def test_no_server_section_writes_no_config(self):
        values = uci_values()
        values["UCI_SERVERS"] = ""
        r, text, *_ = self.generate(values)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
