"""Tests of the engine itself: registry, tolerance policy, Monte Carlo (chunking, batching,
sharding, compile-once), the check helpers catching wrong formulas, and the false-alarm rate."""
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import strategies as st

from verify import checks, mc, registry, strategies as S, tolerance
from verify.profiles import get_profile
from verify.registry import Ctx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ctx(name="quick", seed=0, sid="engine-test"):
    return Ctx(get_profile(name), seed=seed, statement_id=sid)


# ----------------------------------------------------------------------------- registry
def test_duplicate_id_is_an_error():
    registry.load_all()
    some = next(iter(registry.REGISTRY))
    with pytest.raises(registry.DuplicateStatement):
        registry.statement(some)(lambda c: None)


def test_aliases_resolve_and_unknown_ids_suggest():
    assert registry.resolve("paper:thm-3.1") == "thm-5.1"
    assert registry.resolve("lemma-5.2") == "lemma-5.2"
    with pytest.raises(registry.UnknownStatement) as ei:
        registry.resolve("lemma-5.99")
    assert ei.value.suggestions and all(s.startswith(("lemma", "paper:lemma")) for s in ei.value.suggestions[:2])


def test_every_registered_expectation_is_a_verdict():
    for s in registry.all_statements():
        assert s.expect in ("verified", "refuted", "erratum", "conditional", "inconclusive"), s.id


# ----------------------------------------------------------------------------- tolerance
def test_z_threshold_is_normal_quantile_with_bonferroni():
    assert tolerance.z_threshold(0.05, 1) == pytest.approx(1.959964, abs=1e-5)
    assert tolerance.z_threshold(0.05, 10) == pytest.approx(2.807034, abs=1e-5)
    assert tolerance.SUITE_FALSE_ALARM_BOUND < 1e-3
    with pytest.raises(ValueError):
        tolerance.z_threshold(0.0, 1)


def test_roundoff_scales_with_operands():
    assert tolerance.roundoff_tol(1e6) > 1e3 * tolerance.roundoff_tol(1.0)


# ----------------------------------------------------------------------------- Monte Carlo
def _relu_sq(key, p):
    z = jax.random.normal(key, p["u"].shape)
    return jnp.maximum(z @ p["u"], 0.0) ** 2


def test_estimate_matches_closed_form_and_se_shrinks():
    p = {"u": jnp.array([0.6, 0.8])}
    e1 = mc.estimate(_relu_sq, jax.random.key(1), p, 20_000)
    e2 = mc.estimate(_relu_sq, jax.random.key(1), p, 320_000)
    assert abs(float(e2.mean) - 0.5) < 6 * float(e2.se)
    assert float(e2.se) < float(e1.se) / 3


def test_batched_estimate_equals_unbatched():
    P = {"u": jnp.array([[0.6, 0.8], [1.0, 0.0], [0.0, 2.0]])}
    eb = mc.estimate(_relu_sq, jax.random.key(3), P, 40_000, batched=True)
    for i in range(3):
        e = mc.estimate(_relu_sq, jax.random.key(3), {"u": P["u"][i]}, 40_000)
        np.testing.assert_allclose(float(eb.mean[i]), float(e.mean), rtol=1e-12)


def test_compiles_once_per_shape_bucket():
    def sample(key, p):
        return jnp.sum(jax.random.normal(key, p["x"].shape) * p["x"])
    mc.TRACE_COUNTS.clear()
    for i in range(5):
        mc.estimate(sample, jax.random.key(i), {"x": jnp.full((3,), float(i))}, 8192, name="bucket-test")
    mc.estimate(sample, jax.random.key(0), {"x": jnp.ones((4,))}, 8192, name="bucket-test")
    assert mc.TRACE_COUNTS["bucket-test"] == 2  # one per shape, not one per example


def test_sharded_estimate_equals_single_device():
    code = textwrap.dedent("""
        import jax, jax.numpy as jnp
        import verify
        from verify import mc
        def s(key, p):
            z = jax.random.normal(key, (3,))
            return jnp.maximum(z @ p, 0.0) ** 2
        e = mc.estimate(s, jax.random.key(7), jnp.array([0.2, 0.3, 0.9]), 100_000)
        print(len(jax.devices()), repr(float(e.mean)), repr(float(e.se)))
    """)
    outs = []
    for n in (1, 2):
        env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n}", JAX_PLATFORMS="cpu")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout.split())
    assert outs[0][0] == "1" and outs[1][0] == "2"
    np.testing.assert_allclose(float(outs[0][1]), float(outs[1][1]), rtol=1e-12)
    np.testing.assert_allclose(float(outs[0][2]), float(outs[1][2]), rtol=1e-9)


def test_host_devices_env_var():
    """LEMMACHECK_HOST_DEVICES=N gives N CPU devices (mc.estimate then shards over them); a bad value
    is ignored with a warning naming the constraint, never a crash."""
    code = "import warnings; warnings.simplefilter('always'); import verify, jax; print(len(jax.devices()))"
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(env, LEMMACHECK_HOST_DEVICES="2"))
    assert r.returncode == 0 and r.stdout.split() == ["2"], r.stderr
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(env, LEMMACHECK_HOST_DEVICES="two"))
    assert r.returncode == 0 and r.stdout.split() == ["1"]
    assert "must be an integer >= 1" in r.stderr and "Traceback" not in r.stderr


# ----------------------------------------------------------------------------- check helpers
_PARAMS = S.bucket((2, 3)).flatmap(S.unit_vectors).map(lambda u: {"u": jnp.asarray(u)})


def test_mc_check_verifies_correct_and_refutes_wrong_constants():
    good = checks.mc_check(ctx(), params=_PARAMS, sample=_relu_sq, expected=lambda p: 0.5)
    assert good.verdict == "verified" and good.evidence.worst_z is not None
    for wrong in (0.5 / (2 * np.pi), -0.5, 0.5 * 1.1):  # dropped 2pi, flipped sign, wrong constant
        bad = checks.mc_check(ctx(), params=_PARAMS, sample=_relu_sq, expected=lambda p, w=wrong: w)
        assert bad.verdict == "refuted", wrong
        assert "replay" in bad.counterexample and bad.counterexample["z"] > bad.counterexample["z_threshold"]


def test_exact_check_uses_roundoff_not_fixed_atol():
    params = S.floats(-1e8, 1e8)
    ok = checks.exact_check(ctx(), params=params, lhs=lambda x: (x + 1.0) ** 2, rhs=lambda x: x * x + 2 * x + 1.0)
    assert ok.verdict == "verified"
    bad = checks.exact_check(ctx(), params=S.floats(1.0, 2.0), lhs=lambda x: x * (1 + 1e-9), rhs=lambda x: x)
    assert bad.verdict == "refuted"


def test_inequality_check_finds_tight_counterexample():
    v = checks.inequality_check(ctx(), params=S.floats(0.0, 10.0), margin=lambda x: 9.0 - x)
    assert v.verdict == "refuted" and v.counterexample["margin"] < 0


def test_composition():
    ver, ref = checks.verified("ok"), checks.refuted("no", {"x": 1})
    assert checks.erratum(ref, ver, printed_text="p", corrected_text="c").verdict == "erratum"
    assert checks.erratum(ver, ver, printed_text="p", corrected_text="c").verdict == "verified"
    assert checks.erratum(ref, ref, printed_text="p", corrected_text="c").verdict == "refuted"
    assert checks.conditional(ver, ref, condition="c").verdict == "conditional"
    assert checks.conditional(ref, ref, condition="c").verdict == "refuted"
    assert checks.all_of(ver, ref).verdict == "refuted"
    assert checks.all_of(ver, checks.inconclusive("?")).verdict == "inconclusive"


def test_false_alarm_rate_of_mc_comparison():
    """Over many seeds, a correct closed form is (almost) never refuted at the designed alpha.
    Measured at a looser alpha = 0.05 so the rate is observable: it must stay near/below 0.05."""
    n_seeds = 40
    fails = 0
    for s in range(n_seeds):
        v = checks.mc_check(ctx(seed=s), params=_PARAMS, sample=_relu_sq, expected=lambda p: 0.5,
                            n=4096, alpha=0.05, max_examples=2)
        fails += v.verdict == "refuted"
    # Clopper-Pearson: with true rate <= 0.05, P(fails >= 9 of 40) < 1e-3
    assert fails <= 8, f"{fails}/{n_seeds} false alarms at alpha=0.05"


def test_every_statement_is_collected_by_a_property_module():
    """properties/test_<chapter>*.py are parametrized by chapter: every registered chapter needs one."""
    import glob
    import re
    covered = set()
    for path in glob.glob(os.path.join(ROOT, "properties", "test_*.py")):
        covered |= set(re.findall(r'ids\(chapter="([^"]+)"\)', open(path).read()))
    missing = {s.id: s.chapter for s in registry.all_statements() if s.chapter not in covered}
    assert not missing, f"statements in chapters without a property module: {missing}"
