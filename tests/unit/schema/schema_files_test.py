#!/usr/bin/python3
"""docs/schema/*.json are well-formed draft 2020-12 schemas that the collector's C++ validator
can enforce: one file per record kind plus envelope.json, only the supported keywords, every
$ref resolvable offline from the directory, and they bite (a broken record is refused).

Real records are validated by tests/integration/schema/record_schema_test.py.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import record_schema  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

JID = "0123456789abcdef"


def envelope(kind, seq=1):
    return {"schema": "uplinkprobe/1", "kind": kind, "id": f"dev-1:{JID}:{seq}", "journal_id": JID,
            "seq": seq, "device_id": "dev-1", "school_id": "220102-0001",
            "ts": "2026-12-02T01:53:27.123Z", "clock_synced": True, "boot_id": "b",
            "mono_s": 12.5, "agent_version": "0.1.0"}


class SchemaFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = record_schema.Validators()

    def test_one_file_per_kind_and_the_envelope(self):
        names = set(self.v.schemas)
        for kind in record_schema.KINDS:
            self.assertIn(f"{kind}.json", names)
        self.assertIn("envelope.json", names)
        self.assertEqual(names, {f"{k}.json" for k in record_schema.KINDS} | {"envelope.json"})

    def test_valid_draft_2020_12(self):
        for name, s in self.v.schemas.items():
            with self.subTest(name):
                self.assertEqual(s.get("$schema"), "https://json-schema.org/draft/2020-12/schema")
                Draft202012Validator.check_schema(s)

    def test_only_keywords_the_collector_validator_supports(self):
        for name, s in self.v.schemas.items():
            with self.subTest(name):
                self.assertEqual(record_schema.keyword_violations(s), [])

    def test_refs_are_relative_and_resolve_offline(self):
        for name, s in self.v.schemas.items():
            for ref in record_schema.refs(s):
                with self.subTest(f"{name}: {ref}"):
                    self.assertNotIn("://", ref)
                    target, _, fragment = ref.partition("#")
                    doc = self.v.schemas[target] if target else s
                    for part in [p for p in fragment.split("/") if p]:
                        doc = doc[part]
                    self.assertIsInstance(doc, (dict, bool))

    def test_every_journaled_kind_requires_the_envelope(self):
        for kind in record_schema.KINDS:
            if kind == "status":
                continue
            s = self.v.schemas[f"{kind}.json"]
            self.assertIn({"$ref": "envelope.json"}, s["allOf"], kind)

    def test_they_bite(self):
        gap = dict(envelope("gap"), first_seq=3, last_seq=4, count=2, reason="storage_full")
        self.assertEqual(self.v.errors(gap), [])
        broken = {
            "no journal_id": {k: v for k, v in gap.items() if k != "journal_id"},
            "old id form": dict(gap, id="dev-1:1"),
            "local time": dict(gap, ts="2026-12-02T09:53:27.123+08:00"),
            "renamed field": dict({k: v for k, v in gap.items() if k != "count"}, n=2),
            "unknown field": dict(gap, extra=1),
            "unknown reason": dict(gap, reason="cosmic_rays"),
            "seq 0": dict(gap, seq=0),
        }
        for why, rec in broken.items():
            with self.subTest(why):
                self.assertNotEqual(self.v.errors(rec), [], why)
        event = dict(envelope("event"), event="agent_started", config_hash="x",
                     last_seq_before_start=0)
        self.assertEqual(self.v.errors(event), [])
        self.assertNotEqual(self.v.errors(dict(event, event="agent_exploded")), [])
        self.assertNotEqual(self.v.errors(dict(event, kind="alert")), [])
        self.assertNotEqual(self.v.errors({"state": "maybe"}, "status"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
