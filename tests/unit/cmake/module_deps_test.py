#!/usr/bin/python3
"""cmake/check_module_deps.cmake (the build's module-boundary check, target module-deps)
fails on a header of a module that the including module does not declare, directly or
through its DEPS, names the file and line, and passes what is declared transitively. (The
tree itself is checked by the build: target module-deps is part of ALL.)
"""
import os
import subprocess
import tempfile
import unittest

SRC = os.environ.get("UPLINKPROBE_SOURCE_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
SCRIPT = os.path.join(SRC, "cmake", "check_module_deps.cmake")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def check(root, map_text):
    write(root, "module_deps.map", map_text)
    return subprocess.run(
        ["cmake", "-DMAP=" + os.path.join(root, "module_deps.map"), "-DROOT=" + root,
         "-DSTAMP=" + os.path.join(root, "stamp"), "-P", SCRIPT],
        capture_output=True, text=True, timeout=60)


class ModuleDeps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        # base <- mid <- top, and other (declared by nobody). agent/mid vs agent/midway: the
        # owner of a header is the module whose whole folder prefixes its path.
        write(self.root, "base/base.h", "#pragma once\n")
        write(self.root, "agent/mid/mid.h", '#pragma once\n#include "base/base.h"\n')
        write(self.root, "agent/midway/way.h", "#pragma once\n")
        write(self.root, "other/other.h", "#pragma once\n")
        write(self.root, "top/top.cpp",
              '// a; b; c\n#include <vector>\n#include "agent/mid/mid.h"\n'
              '#include "base/base.h"  // through mid\n#include "top/top.h"\n')
        write(self.root, "top/top.h", "#pragma once\n")
        self.map = ("base|base|\nmid|agent/mid|base\nmidway|agent/midway|\n"
                    "other|other|\ntop|top|mid\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_declared_and_transitive_includes_pass(self):
        r = check(self.root, self.map)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.root, "stamp")))

    def test_undeclared_module_fails_with_file_and_line(self):
        with open(os.path.join(self.root, "top/top.cpp"), "a", encoding="utf-8") as f:
            f.write('\nint x;\n#include "other/other.h"\n#include "agent/midway/way.h"\n')
        r = check(self.root, self.map)
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn('top/top.cpp:8: includes "other/other.h" of other', out)
        self.assertIn('top/top.cpp:9: includes "agent/midway/way.h" of midway', out)
        self.assertIn("2 include(s) across undeclared module dependencies", out)
        self.assertFalse(os.path.exists(os.path.join(self.root, "stamp")))

    def test_dependency_in_the_wrong_direction_fails(self):
        write(self.root, "base/base.cpp", '#include "top/top.h"\n')
        r = check(self.root, self.map)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('base/base.cpp:1: includes "top/top.h" of top, which base does not',
                      r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
