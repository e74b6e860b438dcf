"""Mark equivalent mutants in a cosmic-ray session as SKIPPED (run with cosmic-ray's python).

    python ci/mutation_filter.py SESSION.sqlite

Two markers, on the line where the mutated expression ENDS (cosmic-ray's own convention):

    x = a <= 0.5  # equivalent-mutant: ReplaceComparisonOperator_LtE_Lt (why it is equivalent)
    _CHUNK = 32   # pragma: no mutate (why every mutant of this line is equivalent)

``equivalent-mutant:`` names operators (comma-separated; a name matches an operator whose name
contains it, e.g. ``ReplaceBinaryOperator_BitOr_`` covers every replacement of ``|``): only those
mutants are skipped, so the line's other mutants still count.  ``pragma: no mutate`` skips every
mutant ending on the line; use it only where that is true (a cache size, a chunk length), because it
otherwise hides mutants the tests would kill.  Prints how many mutants each marker skipped.
"""
from __future__ import annotations

import collections
import re
import sys
from functools import lru_cache

_PRAGMA = re.compile(r"#.*pragma:.*no mutate")
_EQUIV = re.compile(r"#.*equivalent-mutant:\s*([A-Za-z0-9_,\s]+?)\s*(?:\(|$)")


@lru_cache
def _lines(path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return fh.readlines()


def skip_reason(line: str, operator: str) -> str | None:
    """Why a mutant of ``operator`` ending on ``line`` is equivalent, or None."""
    if _PRAGMA.search(line):
        return "pragma"
    m = _EQUIV.search(line)
    if m:
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        if any(n in operator for n in names):
            return "equivalent-mutant"
    return None


def main(db_path: str) -> int:
    from cosmic_ray.work_db import WorkDB, use_db  # cosmic-ray's venv only (skip_reason is testable without it)
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    counts: collections.Counter = collections.Counter()
    with use_db(db_path, WorkDB.Mode.open) as db:
        for item in db.work_items:
            for mut in item.mutations:
                row = mut.end_pos[0] - 1 - (1 if mut.end_pos[1] == 0 else 0)
                reason = skip_reason(_lines(mut.module_path)[row], mut.operator_name)
                if reason:
                    db.set_result(item.job_id, WorkResult(output=None, test_outcome=None, diff=None,
                                                          worker_outcome=WorkerOutcome.SKIPPED))
                    counts[reason] += 1
                    break
    print("equivalent mutants skipped: " + (", ".join(f"{v} by {k}" for k, v in sorted(counts.items())) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
