"""Helpers for pytest: run a registered statement under the active Hypothesis profile and assert
the expected verdict; patch an analytic function with a wrong one (mutant tests)."""
from __future__ import annotations

import contextlib
import json
import os

import jax

from . import registry
from .profiles import DEFAULT_PROFILE, PROFILES
from .verdict import _jsonable


def active_profile() -> str:
    """The profile selected by ``--hypothesis-profile`` / ``HYPOTHESIS_PROFILE`` (default quick)."""
    from hypothesis import settings

    name = getattr(settings.default, "_current_profile", None)
    try:
        name = settings._current_profile  # type: ignore[attr-defined]
    except AttributeError:
        pass
    if name in PROFILES:
        return name
    return os.environ.get("LEMMACHECK_PROFILE", DEFAULT_PROFILE)


def run(sid: str, profile: str | None = None, seed: int | None = None):
    seed = int(os.environ.get("LEMMACHECK_SEED", "0")) if seed is None else seed
    return registry.get(sid).run(profile or active_profile(), seed=seed)


def explain(v) -> str:
    return (f"{v.id}: got {v.verdict!r}, registry expects {v.expect!r}: {v.summary}\n"
            f"replay: python -m verify check {v.id} --seed {v.evidence.seed}\n"
            f"evidence: {json.dumps(_jsonable(v.to_dict()), indent=1)[:4000]}")


def assert_expected(sid: str, profile: str | None = None, seed: int | None = None):
    v = run(sid, profile, seed)
    assert v.verdict == v.expect, explain(v)
    return v


def ids(chapter=None) -> list[str]:
    return [s.id for s in registry.all_statements(chapter)]


def _clear_caches():
    jax.clear_caches()
    from . import mc
    mc._build.cache_clear()


@contextlib.contextmanager
def mutated(module, name: str, wrong):
    """Replace ``module.name`` by ``wrong`` inside the block, dropping JAX's caches on entry and
    exit so no stale trace of either function survives.  Statements must call analytic functions
    through their module (``cnn.population_loss``), never a ``from``-imported name."""
    old = getattr(module, name)
    setattr(module, name, wrong)
    _clear_caches()
    try:
        yield
    finally:
        setattr(module, name, old)
        _clear_caches()


def assert_caught(sid: str, profile: str = "quick", seed: int = 0, expect=("refuted",)):
    """A mutated formula must move the verdict away from the registry's expectation."""
    v = registry.get(sid).run(profile, seed=seed)
    assert v.verdict in expect and v.verdict != v.expect, (
        f"mutant not caught by {sid}: verdict {v.verdict!r} (wanted one of {expect}): {v.summary}")
    return v
