"""Pick mutants to run and report mutmut's results per file and per area.

Usage (from the project root, after ``mutmut run`` has generated ``mutants/``)::

    .venv/bin/python scripts/mutation.py sample 0.1 [SEED]  # names, a tenth of each file
    .venv/bin/python scripts/mutation.py report             # the score table

``sample`` prints a seeded random sample of the given share of each mutated
file's mutants (the same share everywhere, so an area's score is not skewed
toward its small files), one name a line, for ``mutmut run NAME...`` when a
full run takes too long; mutants the sample already killed are left out, so
running it again goes on where the last run stopped.
``report`` reads mutmut's results (``mutants/**/*.meta``) and prints, per file
and per area (``domain/`` and the four services), the mutants checked, killed
(a failing test, a time-out or a crash all count as killed), survived and
judged equivalent, and the score ``killed / (checked - equivalent)``. Mutants
judged equivalent are listed, one name a line with ``#`` comments, in
``docs/mutation-equivalent.txt``; their reasons are in ``docs/mutation.md``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

MUTANTS = Path("mutants")
EQUIVALENT = Path("docs/mutation-equivalent.txt")
KILLED = {1, 3, 36, -24, 24, 152, 255, -11, -9, 37}
# No test calls the function (33, 5): as bad as a survivor, and counted as one.
SURVIVED = {0, 5, 33}
#: Each area's source paths (prefixes); the decision service's area holds the
#: modules split out of services/decisions.py (transitions, options), the
#: ballot service's the reads split out of services/ballots.py.
AREAS: dict[str, tuple[str, ...]] = {
    "domain/": ("cop_vote/domain/",),
    "services/ballots.py": ("cop_vote/services/ballots.py", "cop_vote/services/ballot_reads.py"),
    "services/decisions.py": (
        "cop_vote/services/decisions.py",
        "cop_vote/services/transitions.py",
        "cop_vote/services/decision_options.py",
    ),
    "services/comments.py": ("cop_vote/services/comments.py",),
    "services/moderation.py": ("cop_vote/services/moderation.py",),
}


def results() -> dict[str, dict[str, int | None]]:
    """``{source path: {mutant name: exit code or None}}`` from mutmut's meta files."""
    found: dict[str, dict[str, int | None]] = {}
    for meta in sorted(MUTANTS.glob("cop_vote/**/*.py.meta")):
        source = str(meta.relative_to(MUTANTS)).removesuffix(".meta")
        found[source] = json.loads(meta.read_text())["exit_code_by_key"]
    return found


def equivalent() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in EQUIVALENT.read_text().splitlines())
    return {line for line in lines if line}


def sample(share: float, seed: int) -> None:
    """Print the sample's mutants that are not killed yet (mutmut reruns every
    mutant it is given by name, so a second run goes on where the first stopped)."""
    rng = random.Random(seed)
    for _source, codes in results().items():
        names = sorted(codes)
        for name in sorted(rng.sample(names, max(1, round(share * len(names))))):
            if codes[name] not in KILLED:
                print(name)


def _row(label: str, codes: dict[str, int | None], same: set[str]) -> str:
    checked = {n: c for n, c in codes.items() if c is not None and c != 34}
    killed = sum(1 for c in checked.values() if c in KILLED)
    survivors = [n for n, c in checked.items() if c in SURVIVED]
    judged = sum(1 for n in survivors if n in same)
    other = len(checked) - killed - len(survivors)
    base = len(checked) - judged
    score = f"{100 * killed / base:5.1f} %" if base else "    -"
    return (
        f"{label:34} {len(codes):6} {len(checked):7} {killed:6} {len(survivors):8}"
        f" {judged:10} {other:5} {score}"
    )


def report() -> None:
    found = results()
    same = equivalent()
    print(
        f"{'file':34} {'total':>6} {'checked':>7} {'killed':>6} {'survived':>8}"
        f" {'equivalent':>10} {'other':>5} score"
    )
    for source, codes in found.items():
        print(_row(source, codes, same))
    print()
    for area, prefixes in AREAS.items():
        merged: dict[str, int | None] = {}
        for source, codes in found.items():
            if source.startswith(prefixes):
                merged.update(codes)
        print(_row(area, merged, same))
    print()
    print("Surviving mutants not judged equivalent:")
    for codes in found.values():
        for name, code in codes.items():
            if code in SURVIVED and name not in same:
                print("  " + name)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "sample":
        sample(float(argv[1]), int(argv[2]) if len(argv) > 2 else 2026)
        return 0
    if argv == ["report"]:
        report()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
