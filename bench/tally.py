"""Benchmark ranked counting: ours against the naive reference. Run by hand.

    python bench/tally.py [--repeat 3] [--no-reference]

Ballots are random partial rankings drawn with a fixed seed. They are skewed
the way real electorates are: most organisations follow one of a few popular
orders (with small local swaps) and rank only their top few options, the rest
rank freely. The table states how many distinct rankings each profile has,
since our counting groups identical ballots first. Two more profiles at 100,000
ballots show where grouping helps least: ``random`` (random order, random
length, no skew) and ``full`` (full random rankings, almost all distinct, the
worst case).

Timings are CPU seconds (:func:`time.process_time`), the best of ``--repeat``
runs, over
already-normalised ballots (no database, no validation). "ours" times the
public :func:`cop_vote.domain.tally.tally` (grouping, rounds or paths, the
Condorcet winner, abstention count); "reference" times the naive functions in
``tests/domain/reference.py`` (winners and rounds or tables only).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cop_vote.domain.tally import OptionRef, TallyResult, tally  # noqa: E402
from tests.domain import reference  # noqa: E402

SEED = 20091218


def skewed_profile(rng: random.Random, option_ids: list[int], size: int) -> list[list[int]]:
    """Rankings with realistic skew: a few blocs, short ballots, some noise."""
    blocs = [rng.sample(option_ids, len(option_ids)) for _ in range(6)]
    bloc_weights = [0.3, 0.22, 0.15, 0.1, 0.08, 0.05]
    # Options differ in appeal; free voters draw by appeal (Plackett–Luce).
    appeal = {oid: rng.paretovariate(1.2) for oid in option_ids}
    rankings: list[list[int]] = []
    for _ in range(size):
        if rng.random() < 0.7:
            order = list(rng.choices(blocs, bloc_weights)[0])
            for _swap in range(rng.choice((0, 0, 1, 1, 2))):
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
        else:
            remaining = list(option_ids)
            order = []
            while remaining:
                pick = rng.choices(remaining, [appeal[oid] for oid in remaining])[0]
                remaining.remove(pick)
                order.append(pick)
        length = min(len(order), 1 + int(rng.expovariate(0.45)))
        rankings.append(order[:length])
    return rankings


def random_partial_profile(rng: random.Random, option_ids: list[int], size: int) -> list[list[int]]:
    """No skew at all: random order, random length; most ballots distinct."""
    return [rng.sample(option_ids, rng.randint(1, len(option_ids))) for _ in range(size)]


def uniform_profile(rng: random.Random, option_ids: list[int], size: int) -> list[list[int]]:
    """Full random rankings: almost every ballot distinct (the worst case)."""
    return [rng.sample(option_ids, len(option_ids)) for _ in range(size)]


PROFILES: dict[str, Callable[[random.Random, list[int], int], list[list[int]]]] = {
    "skewed": skewed_profile,
    "random": random_partial_profile,
    "full": uniform_profile,
}

Naive = Callable[[list[int], list[list[int]]], list[int]]


def naive_irv(option_ids: list[int], rankings: list[list[int]]) -> list[int]:
    """IRV winners by the reference (every ballot re-read each round)."""
    return reference.irv(option_ids, rankings)[0]


def naive_schulze(option_ids: list[int], rankings: list[list[int]]) -> list[int]:
    """Schulze winners by the reference (per-ballot pairwise, plain Floyd–Warshall)."""
    return reference.schulze(option_ids, rankings, brute_force=False)[0]


NAIVE: dict[str, Naive] = {"irv": naive_irv, "schulze": naive_schulze}


def ours(
    counting: str, options: Sequence[OptionRef], ballots: Sequence[Mapping[str, object]]
) -> TallyResult:
    """The whole public entry point, as the results page calls it."""
    return tally("ranked", options, ballots, eligible=len(ballots), counting=counting)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in CPU seconds of this process."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; the exit status is 1 if ours and the reference disagree."""
    parser = argparse.ArgumentParser(description="Benchmark ranked counting.")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--no-reference", action="store_true", help="skip the naive reference")
    args = parser.parse_args(argv)

    header = (
        f"{'rule':<8} {'profile':<8} {'options':>7} {'ballots':>8} {'distinct':>8} "
        f"{'ours cpu s':>10} {'reference s':>11}  same winners"
    )
    print(header)
    print("-" * len(header))
    cases = [("skewed", m, n) for m in (4, 10) for n in (10_000, 100_000)]
    cases += [("random", 10, 100_000), ("full", 10, 100_000)]
    disagreements = 0
    for profile, m, n in cases:
        rng = random.Random(f"{SEED}-{profile}-{m}-{n}")
        option_ids = list(range(101, 101 + m))
        rankings = PROFILES[profile](rng, option_ids, n)
        ballots: list[Mapping[str, object]] = [{"ranking": ranking} for ranking in rankings]
        options = [OptionRef(oid, f"Option {oid}") for oid in option_ids]
        distinct = len({tuple(ranking) for ranking in rankings})
        for name, naive in NAIVE.items():
            ours_s = best_of(args.repeat, partial(ours, name, options, ballots))
            ref_s, same = "-", "-"
            if not args.no_reference:
                ref_s = f"{best_of(args.repeat, partial(naive, option_ids, rankings)):.3f}"
                agree = ours(name, options, ballots).winners == naive(option_ids, rankings)
                disagreements += not agree
                same = "yes" if agree else "NO"
            print(
                f"{name:<8} {profile:<8} {m:>7} {n:>8} {distinct:>8} "
                f"{ours_s:>10.3f} {ref_s:>11}  {same}"
            )
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
