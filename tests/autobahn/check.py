#!/usr/bin/env python3
"""Checks one Autobahn report (index.json) against the committed expectations.

A case passes when both its `behavior` and `behaviorClose` are OK or INFORMATIONAL and equal
what expected-<role>.json records for it; a case missing from either side fails. With
--update the expected file is rewritten from the report (the accepted cases only, so a failing
case never becomes "expected").

Prints one tab-separated summary row (role, OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED,
FAILED, total) on stdout and the reasons for each failing case on stderr; exits 1 on failure.
"""

import argparse
import json
import sys

ACCEPTED = ("OK", "INFORMATIONAL")
# Worst first: a case counts under the worse of its two verdicts.
SEVERITY = ["FAILED", "UNIMPLEMENTED", "NON-STRICT", "WRONG CODE", "INFORMATIONAL", "OK"]


def case_key(case_id):
    return tuple(int(part) if part.isdigit() else part for part in case_id.split("."))


def rank(verdict):
    return SEVERITY.index(verdict) if verdict in SEVERITY else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("index", help="the report's index.json")
    parser.add_argument("expected", help="expected-<role>.json")
    parser.add_argument("role", help="label for the summary row")
    parser.add_argument("--update", action="store_true", help="rewrite the expected file")
    args = parser.parse_args()

    with open(args.index) as f:
        index = json.load(f)
    if len(index) != 1:
        print(f"{args.role}: expected one agent in the report, found {sorted(index)}", file=sys.stderr)
        return 1
    (results,) = index.values()

    counts = {name: 0 for name in ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")}
    problems = []
    for case_id in sorted(results, key=case_key):
        behavior = results[case_id].get("behavior", "?")
        close = results[case_id].get("behaviorClose", "?")
        worst = min((behavior, close), key=rank)
        counts[worst if worst in counts else "FAILED"] += 1
        if behavior not in ACCEPTED or close not in ACCEPTED:
            problems.append(f"{case_id}: behavior {behavior}, behaviorClose {close}")

    if args.update:
        accepted = {
            case_id: {"behavior": r["behavior"], "behaviorClose": r["behaviorClose"]}
            for case_id, r in sorted(results.items(), key=lambda item: case_key(item[0]))
            if r.get("behavior") in ACCEPTED and r.get("behaviorClose") in ACCEPTED
        }
        with open(args.expected, "w") as f:
            json.dump(accepted, f, indent=1)
            f.write("\n")
        print(f"{args.role}: wrote {len(accepted)} cases to {args.expected}", file=sys.stderr)

    try:
        with open(args.expected) as f:
            expected = json.load(f)
    except FileNotFoundError:
        expected = None
        problems.append(f"no {args.expected}: run with AUTOBAHN_UPDATE_EXPECTED=1 once the cases pass")
    if expected is not None:
        for case_id in sorted(set(expected) | set(results), key=case_key):
            want = expected.get(case_id)
            got = results.get(case_id)
            if want is None:
                problems.append(f"{case_id}: ran but is not in the expected file")
            elif got is None:
                problems.append(f"{case_id}: expected but did not run")
            elif (got.get("behavior"), got.get("behaviorClose")) != (
                want["behavior"],
                want["behaviorClose"],
            ):
                problems.append(
                    f"{case_id}: got {got.get('behavior')}/{got.get('behaviorClose')}, "
                    f"expected {want['behavior']}/{want['behaviorClose']}"
                )

    row = [args.role] + [str(counts[name]) for name in counts] + [str(len(results))]
    print("\t".join(row))
    for problem in problems:
        print(f"{args.role}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
