#!/usr/bin/env python3
"""Writes tests/conformance/known-gaps.tsv from target/conformance-failures.txt (made by
`CERTHOST_CONFORMANCE_FAILURES=1 cargo test --release -p certhost --test conformance`):
one line per failing case with the reason, classified from what certhost printed.
Reasons written by hand in the existing file are kept."""
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
failures = (root / "target/conformance-failures.txt").read_text().split("\n\n========\n")
gaps_path = root / "tests/conformance/known-gaps.tsv"
kept = {}
if gaps_path.exists():
    for line in gaps_path.read_text().splitlines():
        if line and not line.startswith("#") and "\t" in line:
            key, reason = line.split("\t", 1)
            if not reason.startswith("auto: "):
                kept[key] = reason

RULES = [
    (r"The term 'enum' is not recognized|\benum\b", "enums (`enum`) are not implemented"),
    (r"The term '([\w-]+)' is not recognized", "the cmdlet {0} is not implemented"),
    (r"does not contain a method named '(\w+)'", ".NET method {0} is not implemented"),
    (r"\[([\w.\[\],]+)\] has no static member '(\w+)'", ".NET static member [{0}]::{1} is not implemented"),
    (r"Unable to find type \[([\w.\[\],]+)\]", "the type [{0}] is not implemented"),
    (r"A parameter cannot be found that matches parameter name '(\w+)'", "parameter -{0} is not implemented"),
    (r"ParserError: (.*)", "syntax not parsed: {0}"),
    (r"is not valid: regex parse error", ".NET regular expression syntax not supported by the regex engine"),
]

def reason(actual: str) -> str:
    for pattern, text in RULES:
        m = re.search(pattern, actual, re.M)
        if m:
            return "auto: " + text.format(*[g or "" for g in m.groups()])[:160]
    if not actual.strip():
        return "auto: prints nothing"
    return "auto: output differs (value formatting or semantics)"

lines = ["# Conformance cases that do not pass yet: case<TAB>reason.",
         "# 'auto:' reasons are classified from certhost's output by tests/tools/known_gaps.py;",
         "# others were written by hand."]
for block in failures:
    if not block.strip():
        continue
    key = block.split("\n", 1)[0].strip()
    actual = block.split("\n--- actual\n", 1)[1] if "\n--- actual\n" in block else ""
    lines.append(f"{key}\t{kept.get(key) or reason(actual)}")
gaps_path.write_text("\n".join(lines) + "\n")
print(f"{len(lines) - 3} known gaps written to {gaps_path.relative_to(root)}", file=sys.stderr)
