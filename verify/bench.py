"""Speed benchmarks (not timed tests).  ``python -m verify bench [NAME ...] [--json]``.

Each benchmark module registers ``@benchmark(name)`` functions returning a dict of numbers.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import time
from typing import Callable

BENCHMARKS: dict[str, Callable[[], dict]] = {}


def benchmark(name: str):
    def deco(fn):
        BENCHMARKS[name] = fn
        return fn
    return deco


def _load():
    import benchmarks as pkg  # the top-level benchmarks/ folder (run from the repo root)
    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{m.name}")


def main(which: list[str], as_json: bool = False) -> int:
    import sys
    try:
        _load()
    except ModuleNotFoundError:
        print("error: run benchmarks from the repository root (benchmarks/ not found)", file=sys.stderr)
        return 2
    names = which or sorted(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(sorted(BENCHMARKS))}",
              file=sys.stderr)
        return 2
    for n in names:
        t0 = time.perf_counter()
        res = BENCHMARKS[n]()
        res.setdefault("wall_s", round(time.perf_counter() - t0, 3))
        if as_json:
            print(json.dumps({"benchmark": n, **res}))
        else:
            print(f"{n}: " + ", ".join(f"{k}={v}" for k, v in res.items()), flush=True)
    return 0
