"""Experiments that reproduce the sources' tables and figures; each writes CSV + PNG.

``@experiment(id, title=...)`` registers ``fn(out_dir: pathlib.Path, profile: Profile, seed: int,
progress) -> dict`` (a summary; the files it wrote listed under ``"files"``).  Modules in this
package are auto-discovered.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass
class Experiment:
    id: str
    fn: Callable
    title: str
    module: str


EXPERIMENTS: dict[str, Experiment] = {}
_LOADED = False


def experiment(id: str, *, title: str = ""):
    def deco(fn):
        if id in EXPERIMENTS:
            raise ValueError(f"experiment {id!r} registered twice")
        EXPERIMENTS[id] = Experiment(id, fn, title or (fn.__doc__ or "").strip().split("\n")[0], fn.__module__)
        return fn
    return deco


def load_all():
    global _LOADED
    if _LOADED:
        return
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not m.name.startswith("_"):
            importlib.import_module(f"{__name__}.{m.name}")
    _LOADED = True
