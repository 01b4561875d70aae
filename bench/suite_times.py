#!/usr/bin/env python
"""Did the test suite get slower? Compares two JUnit reports of the same suite (issue 14:
"nothing in the test suite became slower than before by more than 20 %").

    python bench/suite_times.py BEFORE.xml[,BEFORE2.xml...] AFTER.xml[,AFTER2.xml...]
        [--limit 0.20] [--min-seconds 1]

Several reports per side (comma-separated, runs of the same code) give each test its
fastest time of them: a test's time moves by a tenth of a second between runs of
the same code (a database flush, a thread's start), which is the size of a
slowdown in a file of one second. Only the tests found in both sides are compared
(a test added since has no "before"). It prints the time of those tests on each
side and, per test file, the files whose common tests got slower by more than
``--limit``, counting only files that took at least ``--min-seconds`` before (a
file of 0.05 s that takes 0.07 s is noise, not a slowdown). The verdict is PASS
when the whole common set and every such file stay within the limit. Make the
reports with pytest's ``--junitxml``, one run after the other on the same machine
(the load is printed by the runs, not here).
"""

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def durations(path: str) -> dict[tuple[str, str], float]:
    """(classname, name) -> seconds of every test that passed in the report."""
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            continue
        found[(case.get("classname", ""), case.get("name", ""))] = float(case.get("time", 0))
    return found


def _module(classname: str) -> str:
    """tests.unit.test_x (or tests.unit.test_x.TestCase) -> tests.unit.test_x"""
    parts = classname.split(".")
    for index, part in enumerate(parts):
        if part.startswith("test_"):
            return ".".join(parts[: index + 1])
    return classname


def fastest(paths: str) -> dict[tuple[str, str], float]:
    """Each test's fastest time over the comma-separated reports."""
    best: dict[tuple[str, str], float] = {}
    for path in paths.split(","):
        for key, seconds in durations(path).items():
            best[key] = min(seconds, best.get(key, seconds))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--limit", type=float, default=0.20)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    args = ap.parse_args(argv)
    before, after = fastest(args.before), fastest(args.after)
    common = sorted(before.keys() & after.keys())
    if not common:
        print("no test passed in both reports")
        return 1
    total_before = sum(before[k] for k in common)
    total_after = sum(after[k] for k in common)
    change = total_after / total_before - 1
    print(
        f"{len(common)} tests in both ({len(before)} before, {len(after)} after): "
        f"{total_before:.1f} s before, {total_after:.1f} s after, {change:+.1%}"
    )
    files = defaultdict(lambda: [0.0, 0.0, 0])
    for key in common:
        module = _module(key[0])
        files[module][0] += before[key]
        files[module][1] += after[key]
        files[module][2] += 1
    slower = [
        (name, b, a, n)
        for name, (b, a, n) in files.items()
        if b >= args.min_seconds and a / b - 1 > args.limit
    ]
    for name, b, a, n in sorted(slower, key=lambda row: row[2] - row[1], reverse=True):
        print(f"  slower: {name} ({n} tests) {b:.1f} s -> {a:.1f} s, {a / b - 1:+.0%}")
    ok = change <= args.limit and not slower
    print(
        f"suite time within +{args.limit:.0%} (the whole set and every file of "
        f">= {args.min_seconds:g} s): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
