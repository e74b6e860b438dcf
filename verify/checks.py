"""Building blocks that turn a property into a Verdict: Hypothesis search, Monte Carlo
comparison, exact identities, inequalities, and the composition of sub-verdicts
(erratum = printed refuted + corrected verified; conditional = holds inside an explicit
condition, fails outside).

Every helper takes the ``Ctx`` of the running statement, so the profile and the seed are honoured
and a counterexample carries the command that replays it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import hypothesis
import jax
import numpy as np
from hypothesis import Verbosity, given, settings, target
from hypothesis import strategies as st

from . import mc, tolerance
from .registry import Ctx
from .verdict import Evidence, Verdict


@dataclass
class Outcome:
    """Result of one example: ``ok``; ``score`` (larger = closer to failing; steered by target());
    ``info``: numbers worth reporting for this example."""
    ok: bool
    score: float = 0.0
    info: dict = field(default_factory=dict)


@dataclass
class SearchResult:
    examples: int
    worst_score: float | None
    worst_info: dict
    worst_example: Any
    failed: bool
    counterexample: Any = None
    failure_info: dict = field(default_factory=dict)
    error: str | None = None


class _Fail(Exception):
    pass


def search(ctx: Ctx, strategy, body: Callable[[Any], Outcome], *, max_examples: int | None = None,
           label: str = "score", shrink: bool = True) -> SearchResult:
    """Run ``body`` on Hypothesis-drawn examples; stop and shrink at the first failing one.

    ``target(score)`` steers the search toward the tightest case.  The returned counterexample is
    the shrunk (minimal) failing example, i.e. the last one that failed.
    """
    res = SearchResult(0, None, {}, None, False)
    fails: list = []
    n_max = max_examples or ctx.profile.max_examples

    def run(p):
        out = body(p)
        res.examples += 1
        sc = float(out.score) if out.score is not None and np.isfinite(out.score) else 1e300
        target(sc, label=label)
        if res.worst_score is None or sc > res.worst_score:
            res.worst_score, res.worst_info, res.worst_example = sc, dict(out.info), p
        if not out.ok:
            fails.append((p, out))
            raise _Fail()

    s = settings(max_examples=n_max, derandomize=ctx.profile.derandomize, deadline=None, database=None,
                 suppress_health_check=list(hypothesis.HealthCheck), verbosity=Verbosity.quiet,
                 report_multiple_bugs=False, print_blob=False,
                 phases=tuple(hypothesis.Phase) if shrink else (
                     hypothesis.Phase.explicit, hypothesis.Phase.reuse, hypothesis.Phase.generate,
                     hypothesis.Phase.target))
    test = s(given(strategy)(run))
    if not ctx.profile.derandomize:
        test = hypothesis.seed(ctx.int_seed("hypothesis"))(test)
    try:
        test()
    except _Fail:
        res.failed = True
    except hypothesis.errors.Unsatisfiable as exc:
        res.error = f"no example satisfied the preconditions: {exc}"
    except hypothesis.errors.FlakyFailure as exc:  # pragma: no cover - deterministic bodies
        res.error = f"flaky: {exc}"
    if res.failed and fails:
        res.counterexample, out = fails[-1]
        res.failure_info = dict(out.info)
    return res


def _replay(ctx: Ctx) -> str:
    return f"python -m verify check {ctx.statement_id} --seed {ctx.seed} --profile {ctx.profile.name}"


def _cex(ctx: Ctx, example, info: dict) -> dict:
    return {"example": example, **info, "replay": _replay(ctx)}


def verdict_from_search(ctx: Ctx, res: SearchResult, *, what: str, samples: int = 0, tol: str = "",
                        z_metric: bool = False, margin_metric: bool = False, name: str = "",
                        extra: dict | None = None) -> Verdict:
    ev = Evidence(examples=res.examples, samples=samples, tolerance=tol, seed=ctx.seed, extra=dict(extra or {}))
    if res.worst_score is not None:
        if z_metric:
            ev.worst_z = float(res.worst_info.get("z", res.worst_score))
        if margin_metric:
            ev.worst_margin = float(res.worst_info.get("margin", -res.worst_score))
        if res.worst_info:
            ev.extra.setdefault("tightest_case", {k: v for k, v in res.worst_info.items()})
            ev.extra.setdefault("tightest_example", res.worst_example)
    if res.error:
        return Verdict("inconclusive", summary=f"{what}: {res.error}", evidence=ev, name=name)
    if res.failed:
        if z_metric:
            ev.worst_z = float(res.failure_info.get("z", ev.worst_z or 0))
        if margin_metric and "margin" in res.failure_info:
            ev.worst_margin = float(res.failure_info["margin"])
        return Verdict("refuted", summary=f"{what}: counterexample found", evidence=ev,
                       counterexample=_cex(ctx, res.counterexample, res.failure_info), name=name)
    if res.examples == 0:
        return Verdict("inconclusive", summary=f"{what}: no example ran", evidence=ev, name=name)
    return Verdict("verified", summary=f"{what}: held on {res.examples} examples", evidence=ev, name=name)


def seeds() -> st.SearchStrategy[int]:
    """The integer from which an example's PRNG key is derived (drawn by Hypothesis, so it replays)."""
    return st.integers(0, 2**31 - 1)


def example_key(ctx: Ctx, seed: int):
    return jax.random.fold_in(ctx.key("example"), seed)


def _flat(tree) -> np.ndarray:
    leaves = jax.tree.leaves(tree)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in leaves])


def mc_check(ctx: Ctx, *, params, sample: Callable, expected: Callable, n: int | None = None,
             chunk: int = 4096, what: str = "closed form vs Monte Carlo", name: str = "",
             max_examples: int | None = None, alpha: float = tolerance.ALPHA_PER_CHECK,
             preprocess: Callable | None = None) -> Verdict:
    """Compare ``expected(p)`` with the Monte Carlo mean of ``sample(key, p)`` on Hypothesis-drawn ``p``.

    ``params`` is a strategy of parameter pytrees (shapes from fixed buckets, so the estimator
    compiles once per bucket).  The tolerance is z(alpha, m)*se with Bonferroni over
    m = (coordinates per example) x (max examples).
    """
    n = ctx.profile.n() if n is None else int(n)
    n_ex = max_examples or ctx.profile.max_examples
    info_tol = {}

    def body(args):
        p, s = args
        if preprocess is not None:
            p = preprocess(p)
        est = mc.estimate(sample, example_key(ctx, s), p, n, chunk=chunk)
        mean, se = _flat(est.mean), _flat(est.se)
        exp = _flat(expected(p))
        if mean.shape != exp.shape:
            raise ValueError(f"estimate has {mean.shape} coordinates, closed form {exp.shape}")
        m = mean.size * n_ex
        zt = tolerance.z_threshold(alpha, m)
        info_tol["policy"] = tolerance.describe(m, alpha)
        tol = tolerance.mc_tolerance(se, exp, zt)
        diff = np.abs(mean - exp)
        z = tolerance.z_scores(mean, se, exp)
        ok = bool(np.all(diff <= tol)) and bool(np.all(np.isfinite(mean)))
        i = int(np.argmax(z)) if z.size else 0
        zmax = float(z[i]) if z.size else 0.0
        info = {"z": zmax, "z_threshold": zt, "coordinate": i, "estimate": float(mean[i]),
                "expected": float(exp[i]), "se": float(se[i]), "seed": s}
        return Outcome(ok=ok, score=zmax, info=info)

    res = search(ctx, st.tuples(params, seeds()), body, max_examples=n_ex, label="z")
    n_draws = mc.n_chunks_for(n, min(chunk, n)) * min(chunk, n)
    return verdict_from_search(ctx, res, what=what, samples=n_draws, tol=info_tol.get("policy", ""),
                               z_metric=True, name=name)


def exact_check(ctx: Ctx, *, params, lhs: Callable, rhs: Callable, n_ops: int = 16,
                what: str = "exact identity", name: str = "", max_examples: int | None = None,
                scale: Callable | None = None) -> Verdict:
    """``lhs(p) == rhs(p)`` to float64 round-off: |lhs-rhs| <= C*eps*n_ops*(1+scale), scale from the operands."""
    def body(p):
        a, b = _flat(lhs(p)), _flat(rhs(p))
        if a.shape != b.shape:
            raise ValueError(f"lhs has {a.shape} coordinates, rhs {b.shape}")
        sc = np.maximum(np.abs(a), np.abs(b)) if scale is None else np.broadcast_to(_flat(scale(p)), a.shape)
        tol = tolerance.roundoff_tol(sc, n_ops)
        err = np.abs(a - b)
        ratio = err / tol
        i = int(np.argmax(ratio)) if ratio.size else 0
        ok = bool(np.all(err <= tol)) and bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b)))
        return Outcome(ok=ok, score=float(ratio[i]) if ratio.size else 0.0,
                       info={"error_over_roundoff": float(ratio[i]) if ratio.size else 0.0,
                             "abs_error": float(err[i]) if err.size else 0.0, "lhs": float(a[i]) if a.size else 0.0,
                             "rhs": float(b[i]) if b.size else 0.0, "coordinate": i})

    res = search(ctx, params, body, max_examples=max_examples, label="error/roundoff")
    return verdict_from_search(ctx, res, what=what,
                               tol=f"float64 round-off: |lhs-rhs| <= {tolerance.C_EPS:g}*eps*{n_ops}*(1+|operand|)",
                               name=name)


def inequality_check(ctx: Ctx, *, params, margin: Callable, what: str = "inequality", name: str = "",
                     max_examples: int | None = None, slack: Callable | float = 0.0) -> Verdict:
    """Search for a violation of ``margin(p) >= -slack`` (margin = rhs - lhs of ``lhs <= rhs``).

    ``margin`` may return a float or ``(float, info_dict)``.  ``slack`` is a round-off allowance
    (a float or a function of p) -- never a hand-tuned tolerance for a statistical comparison.
    """
    def body(p):
        out = margin(p)
        info = {}
        if isinstance(out, tuple):
            out, info = out
        mval = float(out)
        sl = float(slack(p)) if callable(slack) else float(slack)
        return Outcome(ok=bool(np.isfinite(mval) and mval >= -sl), score=-mval,
                       info={"margin": mval, **info})

    res = search(ctx, params, body, max_examples=max_examples, label="-margin")
    return verdict_from_search(ctx, res, what=what, tol="margin >= -(float64 round-off)",
                               margin_metric=True, name=name)


def predicate_check(ctx: Ctx, *, params, body: Callable[[Any], Outcome], what: str, name: str = "",
                    max_examples: int | None = None, tol: str = "") -> Verdict:
    """The general form: ``body(p) -> Outcome``."""
    res = search(ctx, params, body, max_examples=max_examples)
    return verdict_from_search(ctx, res, what=what, tol=tol, name=name)


def failure_rate_check(fails: int, trials: int, delta: float, what: str, name: str = "") -> Verdict:
    """Failure probability <= delta?  refuted iff the Clopper-Pearson lower bound exceeds delta."""
    lo = tolerance.binomial_lower(fails, trials)
    hi = tolerance.binomial_upper(fails, trials)
    ev = Evidence(examples=trials, tolerance=f"Clopper-Pearson at alpha={tolerance.ALPHA_PER_CHECK:g}",
                  extra={"failures": fails, "trials": trials, "delta": delta, "cp_lower": lo, "cp_upper": hi})
    if lo > delta:
        return Verdict("refuted", summary=f"{what}: failure rate {fails}/{trials} (CP lower {lo:.3g}) > delta={delta}",
                       evidence=ev, counterexample={"failures": fails, "trials": trials}, name=name)
    if hi <= delta:
        return Verdict("verified", summary=f"{what}: {fails}/{trials} failures, CP upper {hi:.3g} <= delta={delta}",
                       evidence=ev, name=name)
    return Verdict("verified", summary=f"{what}: {fails}/{trials} failures, consistent with <= delta={delta} "
                                       f"(CP [{lo:.3g}, {hi:.3g}])", evidence=ev, name=name)


# ----------------------------------------------------------------------------- composition
def _merge_ev(parts: list[Verdict]) -> Evidence:
    ev = Evidence()
    for p in parts:
        ev = ev.merge(p.evidence)
    return ev


def all_of(*parts: Verdict, summary: str = "") -> Verdict:
    """verified iff every part is verified; refuted if any is refuted; else inconclusive."""
    parts = [p for p in parts if p is not None]
    ev = _merge_ev(parts)
    bad = [p for p in parts if p.verdict == "refuted"]
    if bad:
        b = bad[0]
        return Verdict("refuted", summary=summary or f"{b.name or 'part'} refuted: {b.summary}", evidence=ev,
                       counterexample=b.counterexample, parts=list(parts))
    if all(p.verdict == "verified" for p in parts):
        return Verdict("verified", summary=summary or "; ".join(p.summary for p in parts), evidence=ev,
                       parts=list(parts))
    inc = [p for p in parts if p.verdict != "verified"]
    return Verdict("inconclusive", summary=summary or f"{inc[0].name or 'part'}: {inc[0].summary}",
                   evidence=ev, parts=list(parts))


def erratum(printed: Verdict, corrected: Verdict, *, printed_text: str, corrected_text: str,
            summary: str = "") -> Verdict:
    """The printed statement is refuted and the corrected one verified -> ``erratum``.

    If the printed form unexpectedly holds, the verdict is whatever the printed check says
    (so a registry that expects ``erratum`` flags it); if the corrected form fails, ``refuted``.
    """
    printed.name = printed.name or "as printed"
    corrected.name = corrected.name or "corrected"
    ev = _merge_ev([printed, corrected])
    kw = dict(evidence=ev, printed=printed_text, corrected=corrected_text, parts=[printed, corrected])
    if printed.verdict == "refuted" and corrected.verdict == "verified":
        return Verdict("erratum", summary=summary or f"as printed: refuted; corrected: verified",
                       counterexample=printed.counterexample, **kw)
    if corrected.verdict == "refuted":
        return Verdict("refuted", summary=f"even the corrected form fails: {corrected.summary}",
                       counterexample=corrected.counterexample, **kw)
    if printed.verdict == "verified":
        return Verdict("verified", summary="the printed form held (no erratum found)", **kw)
    return Verdict("inconclusive", summary=f"printed: {printed.verdict}; corrected: {corrected.verdict}", **kw)


def conditional(inside: Verdict, outside: Verdict, *, condition: str, printed_text: str = "",
                summary: str = "") -> Verdict:
    """Holds under the explicit ``condition`` (inside verified) and fails outside it (outside refuted)."""
    inside.name = inside.name or "inside the condition"
    outside.name = outside.name or "outside the condition"
    ev = _merge_ev([inside, outside])
    kw = dict(evidence=ev, condition=condition, printed=printed_text or None, parts=[inside, outside])
    if inside.verdict == "verified" and outside.verdict == "refuted":
        return Verdict("conditional", summary=summary or f"holds under: {condition}; fails outside it",
                       counterexample=outside.counterexample, **kw)
    if inside.verdict == "refuted":
        return Verdict("refuted", summary=f"fails even under {condition}: {inside.summary}",
                       counterexample=inside.counterexample, **kw)
    if inside.verdict == "verified" and outside.verdict == "verified":
        return Verdict("verified", summary="held inside and outside the condition", **kw)
    return Verdict("inconclusive", summary=f"inside: {inside.verdict}; outside: {outside.verdict}", **kw)


def inconclusive(reason: str, **extra) -> Verdict:
    """A registered statement with nothing numeric to check (or out of budget): say why."""
    return Verdict("inconclusive", summary=reason, evidence=Evidence(extra=extra))


def verified(summary: str, *, examples: int = 1, **extra) -> Verdict:
    return Verdict("verified", summary=summary, evidence=Evidence(examples=examples, extra=extra))


def refuted(summary: str, counterexample: dict, **extra) -> Verdict:
    return Verdict("refuted", summary=summary, counterexample=counterexample, evidence=Evidence(examples=1, extra=extra))


def timer():
    t0 = time.perf_counter()
    return lambda: time.perf_counter() - t0
