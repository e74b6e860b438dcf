"""The statement registry: ``@statement(id, ...)`` registers a check function ``fn(ctx) -> Verdict``.

A check is defined once (under ``verify/statements/``) and consumed by both the CLI and pytest.
"""
from __future__ import annotations

import difflib
import hashlib
import importlib
import pkgutil
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

import jax

from .profiles import DEFAULT_PROFILE, Profile, get_profile
from .verdict import VERDICTS, Evidence, Verdict


class UnknownStatement(KeyError):
    def __init__(self, sid: str, suggestions: list[str]):
        self.sid = sid
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown statement id {sid!r}{hint}")

    def __str__(self):
        return self.args[0]


class DuplicateStatement(ValueError):
    pass


from analytic.errors import InvalidParameter  # noqa: E402  (re-exported: one error type for bad input)


@dataclass
class Ctx:
    """What a check receives: the profile, the seed, and deterministic keys."""
    profile: Profile
    seed: int = 0
    statement_id: str = ""
    progress: Callable[[str], None] | None = None

    def key(self, *tags) -> jax.Array:
        """A PRNG key derived deterministically from (seed, statement id, tags)."""
        h = hashlib.sha256(repr((self.seed, self.statement_id, tags)).encode()).digest()
        return jax.random.key(int.from_bytes(h[:4], "little"))

    def int_seed(self, *tags) -> int:
        h = hashlib.sha256(repr((self.seed, self.statement_id, tags)).encode()).digest()
        return int.from_bytes(h[:4], "little")

    def note(self, msg: str):
        if self.progress is not None:
            self.progress(msg)


@dataclass
class Statement:
    id: str
    fn: Callable[[Ctx], Verdict]
    source: str
    line: int | None
    title: str
    chapter: str
    aliases: tuple[str, ...] = ()
    expect: str = "verified"
    kind: str = ""
    cost: str = "seconds"  # seconds | minutes (minutes-cost checks are skipped by `quick` in pytest? no: all run)
    module: str = ""
    doc: str = field(default="", repr=False)

    def run(self, profile: str | Profile = DEFAULT_PROFILE, seed: int = 0, progress=None) -> Verdict:
        prof = get_profile(profile) if isinstance(profile, str) else profile
        ctx = Ctx(profile=prof, seed=seed, statement_id=self.id, progress=progress)
        t0 = time.perf_counter()
        try:
            v = self.fn(ctx)
        except InvalidParameter:
            raise
        except Exception as exc:  # a crashing check is never a pass
            v = Verdict("inconclusive", summary=f"check raised {type(exc).__name__}: {exc}",
                        evidence=Evidence(extra={"traceback": traceback.format_exc(limit=6)}))
        if not isinstance(v, Verdict):
            raise TypeError(f"check {self.id} returned {type(v).__name__}, not Verdict")
        v.evidence.wall_s = time.perf_counter() - t0
        v.evidence.seed = seed
        v.id, v.title, v.expect, v.source, v.line = self.id, self.title, self.expect, self.source, self.line
        return v


REGISTRY: dict[str, Statement] = {}
ALIASES: dict[str, str] = {}


def _chapter_of(sid: str) -> str:
    if sid.startswith("essay:"):
        return "essay"
    if sid.startswith("paper:"):
        return "5"
    import re
    m = re.search(r"-(\d+)(?:\.|$)", sid)
    if m:
        return m.group(1)
    m = re.search(r"(\d+)", sid)
    return m.group(1) if m else "?"


def statement(id: str, *, source: str = "thesis", line: int | None = None, title: str = "",
              aliases: tuple[str, ...] | list[str] = (), expect: str = "verified", chapter: str | None = None,
              kind: str = "", cost: str = "seconds"):
    """Register ``fn(ctx) -> Verdict`` as the check of statement ``id``.

    ``expect`` is the verdict the registry expects (``verified``, or ``erratum``/``conditional``/
    ``inconclusive`` for a known issue with the printed text); ``pytest properties/`` asserts it.
    """
    if expect not in VERDICTS:
        raise ValueError(f"expect must be one of {VERDICTS}, got {expect!r}")

    def deco(fn):
        if id in REGISTRY or id in ALIASES:
            raise DuplicateStatement(f"statement id {id!r} registered twice "
                                     f"({REGISTRY[id].module if id in REGISTRY else 'alias'} and {fn.__module__})")
        st = Statement(id=id, fn=fn, source=source, line=line, title=title or (fn.__doc__ or "").strip().split("\n")[0],
                       chapter=str(chapter if chapter is not None else _chapter_of(id)), aliases=tuple(aliases),
                       expect=expect, kind=kind, cost=cost, module=fn.__module__, doc=fn.__doc__ or "")
        for a in st.aliases:
            if a in REGISTRY or a in ALIASES:
                raise DuplicateStatement(f"alias {a!r} of {id!r} already used")
        REGISTRY[id] = st
        for a in st.aliases:
            ALIASES[a] = id
        fn.statement = st
        return fn

    return deco


_LOADED = False


def load_all():
    """Import every module under verify/statements (auto-discovered: adding a module is enough)."""
    global _LOADED
    if _LOADED:
        return
    from . import statements as pkg

    for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not m.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{m.name}")
    _LOADED = True


def resolve(sid: str) -> str:
    load_all()
    if sid in REGISTRY:
        return sid
    if sid in ALIASES:
        return ALIASES[sid]
    low = sid.lower()
    for cand in list(REGISTRY) + list(ALIASES):
        if cand.lower() == low:
            return ALIASES.get(cand, cand)
    universe = list(REGISTRY) + list(ALIASES)
    sugg = difflib.get_close_matches(sid, universe, n=5, cutoff=0.5)
    if not sugg:
        sugg = [c for c in universe if sid.split("-")[-1] in c][:5]
    raise UnknownStatement(sid, sugg)


def get(sid: str) -> Statement:
    return REGISTRY[resolve(sid)]


def _sort_key(sid: str):
    import re
    parts = re.split(r"(\d+)", sid)
    return [int(p) if p.isdigit() else p for p in parts]


def all_statements(chapter: str | int | None = None) -> list[Statement]:
    load_all()
    sts = list(REGISTRY.values())
    if chapter is not None:
        sts = [s for s in sts if s.chapter == str(chapter)]
    order = {c: i for i, c in enumerate(["2", "3", "4", "5", "6", "7", "essay"])}
    return sorted(sts, key=lambda s: (order.get(s.chapter, 99), _sort_key(s.id)))


def chapters() -> list[str]:
    load_all()
    return sorted({s.chapter for s in REGISTRY.values()}, key=lambda c: (not c.isdigit(), c.zfill(3)))
