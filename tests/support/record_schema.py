"""docs/schema/*.json loaded for python3-jsonschema (Debian's python3-jsonschema, the
reference validator of the record contract), offline: every relative $ref ("envelope.json",
"envelope.json#/$defs/utc_time") resolves from the directory, never from the network.

Works with jsonschema 4.10 (Debian bookworm: RefResolver) and >= 4.18 (referencing.Registry).
"""
import json
import os
import re
import warnings

import jsonschema
from jsonschema import Draft202012Validator

# The keywords the collector's C++ validator (record/schema_validator) implements: schemas
# must use nothing else (TEAM.md). Annotations are allowed anywhere.
ALLOWED_KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "minItems", "maxItems", "allOf", "anyOf", "oneOf", "not", "$ref", "$defs",
    "title", "description", "$id", "$schema", "$comment", "examples",
}
# Every record kind the agent emits, one schema file each.
KINDS = ["throughput", "availability", "outage", "power", "daily", "alert", "alert_state",
         "event", "status", "gap"]
BASE = "https://uplinkprobe.example/schema/"


def schema_dir():
    src = os.environ.get("UPLINKPROBE_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    return os.path.join(src, "docs", "schema")


def load_all(directory=None):
    directory = directory or schema_dir()
    out = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                out[name] = json.load(f)
    return out


def keyword_violations(schema, where="#"):
    """Keywords outside ALLOWED_KEYWORDS, as JSON-pointer-ish paths."""
    bad = []
    if isinstance(schema, bool):
        return bad
    if not isinstance(schema, dict):
        return [f"{where}: schema is a {type(schema).__name__}"]
    for key, value in schema.items():
        if key not in ALLOWED_KEYWORDS:
            bad.append(f"{where}/{key}")
            continue
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                bad += keyword_violations(sub, f"{where}/{key}/{name}")
        elif key in ("additionalProperties", "items", "not"):
            bad += keyword_violations(value, f"{where}/{key}")
        elif key in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(value):
                bad += keyword_violations(sub, f"{where}/{key}/{i}")
    return bad


def refs(schema):
    """Every $ref value in a schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from refs(value)


class Validators:
    """One Draft202012Validator per schema file, $refs resolved from the directory only."""

    def __init__(self, directory=None):
        self.schemas = load_all(directory)
        by_uri = {}
        for name, s in self.schemas.items():
            by_uri[BASE + name] = s
            if "$id" in s:
                by_uri[s["$id"]] = s
        self.validators = {}
        try:
            from referencing import Registry, Resource  # jsonschema >= 4.18

            registry = Registry().with_resources(
                [(uri, Resource.from_contents(s)) for uri, s in by_uri.items()])
            registry = registry.crawl()
            for name, s in self.schemas.items():
                self.validators[name] = Draft202012Validator(s, registry=registry)
        except ImportError:  # Debian bookworm's 4.10
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                for name, s in self.schemas.items():
                    resolver = jsonschema.RefResolver(base_uri=s.get("$id", BASE + name),
                                                      referrer=s, store=dict(by_uri))
                    self.validators[name] = Draft202012Validator(s, resolver=resolver)

    def errors(self, record, kind=None):
        """Messages for one record against <kind>.json (kind from the record by default)."""
        kind = kind or (record.get("kind") if isinstance(record, dict) else None)
        name = f"{kind}.json"
        if name not in self.validators:
            return [f"no schema for kind {kind!r}"]
        out = []
        for e in sorted(self.validators[name].iter_errors(record), key=lambda e: list(e.path)):
            path = "/" + "/".join(str(p) for p in e.absolute_path)
            out.append(f"{name} {path}: {e.message}")
        return out


UTC_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$")
