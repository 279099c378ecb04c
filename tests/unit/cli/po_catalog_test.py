#!/usr/bin/python3
"""po/zh_CN.po translates every message the CLI passes through tr()/N_() (extracted from the
sources with xgettext, as po/uplinkprobe.pot is), keeps the same {} placeholders, keeps
every line of a translated text within 80 display columns, and po/uplinkprobe.pot is current.
Fails (never skips) when xgettext or msgfmt is missing: scripts/install-deps.sh installs
gettext.
"""
import glob
import os
import re
import subprocess
import tempfile
import unicodedata
import unittest

SRC = os.environ.get("UPLINKPROBE_SOURCE_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def parse_po(path):
    """{msgid: msgstr} of a .po/.pot file (no plurals, no contexts: the CLI uses neither)."""
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.M):
        def join(block):
            s = "".join(re.findall(r'"(.*)"', block))
            return s.encode("latin-1", "backslashreplace").decode("unicode_escape") \
                if s.isascii() else bytes(s, "utf-8").decode("unicode_escape").encode(
                    "latin-1").decode("utf-8")
        mid = join(m.group(1))
        if mid:
            out[mid] = join(m.group(2))
    return out


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


class Catalog(unittest.TestCase):
    def extract(self):
        with tempfile.TemporaryDirectory() as d:
            pot = os.path.join(d, "x.pot")
            subprocess.run(
                ["xgettext", "--keyword=tr", "--keyword=N_", "--from-code=UTF-8",
                 "--language=C++", "--no-location", "--sort-output", "-o", pot]
                + sorted(glob.glob(os.path.join(SRC, "agent/cli/*.cpp"))), check=True)
            return parse_po(pot)

    def test_every_message_is_translated_with_the_same_placeholders(self):
        ids = self.extract()
        self.assertGreater(len(ids), 100)
        zh = parse_po(os.path.join(SRC, "po/zh_CN.po"))
        for mid in ids:
            with self.subTest(msgid=mid[:60]):
                self.assertIn(mid, zh, "not in po/zh_CN.po")
                self.assertTrue(zh[mid], "empty translation")
                self.assertEqual(re.findall(r"\{[^}]*\}", mid), re.findall(r"\{[^}]*\}", zh[mid]))
                for line in zh[mid].split("\n"):
                    self.assertLessEqual(width(line), 80, line)

    def test_usage_texts_list_the_same_options_once(self):
        # A usage text's translation once carried a second copy of its older lines, so
        # `LANG=zh_CN.UTF-8 uplinkprobe test --help` listed --config, --server, … twice.
        zh = parse_po(os.path.join(SRC, "po/zh_CN.po"))
        option_lines = re.compile(r"^\s+(--[a-z][a-z0-9-]*)", re.M)
        for mid in self.extract():
            if mid not in zh or not option_lines.search(mid):
                continue
            with self.subTest(msgid=mid[:60]):
                self.assertEqual(option_lines.findall(mid), option_lines.findall(zh[mid]))

    def test_template_is_current(self):
        self.assertEqual(set(self.extract()), set(parse_po(os.path.join(SRC, "po/uplinkprobe.pot"))),
                         "regenerate po/uplinkprobe.pot (command in po/zh_CN.po)")

    def test_catalog_compiles_with_checks(self):
        subprocess.run(["msgfmt", "--check", "-o", os.devnull, os.path.join(SRC, "po/zh_CN.po")],
                       check=True)


if __name__ == "__main__":
    unittest.main()
