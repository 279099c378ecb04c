#!/usr/bin/python3
"""Reference verdicts for the collector validator's differential test: reads
[{"schema": "throughput.json", "data": ...}, ...] from argv[1], writes
[{"valid": bool, "errors": [...first 3 messages]}, ...] to argv[2], using Debian's
python3-jsonschema Draft202012Validator with offline $ref resolution (record_schema.py)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record_schema  # noqa: E402


def main():
    cases_path, out_path = sys.argv[1], sys.argv[2]
    schema_dir = sys.argv[3] if len(sys.argv) > 3 else None
    v = record_schema.Validators(schema_dir)
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        validator = v.validators[case["schema"]]
        errors = [e.message for _, e in zip(range(3), validator.iter_errors(case["data"]))]
        out.append({"valid": not errors, "errors": errors})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
