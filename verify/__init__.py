"""lemmacheck verification engine: registry, Monte Carlo, tolerances, verdicts, CLI."""
import os
import warnings

# Opt-in: LEMMACHECK_HOST_DEVICES=N splits the CPU into N XLA host devices (one per core is the useful
# value), so the Monte Carlo estimator (verify.mc, sharded over jax.devices()) runs its chunks on all
# cores in parallel instead of relying on XLA's intra-op threading.  It must be set before JAX creates
# its CPU backend, which is why it is read here; an explicit --xla_force_host_platform_device_count
# in XLA_FLAGS wins.  The same key gives the same estimate on any device count (tests/test_engine.py).
_host = os.environ.get("LEMMACHECK_HOST_DEVICES", "").strip()
if _host:
    if _host.isdigit() and int(_host) >= 1:
        _flags = os.environ.get("XLA_FLAGS", "")
        if "xla_force_host_platform_device_count" not in _flags:
            os.environ["XLA_FLAGS"] = f"{_flags} --xla_force_host_platform_device_count={int(_host)}".strip()
    else:
        warnings.warn(f"LEMMACHECK_HOST_DEVICES={_host!r} ignored: it must be an integer >= 1", stacklevel=1)

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

# Persistent XLA compilation cache: most of a check's cold time is compilation, and pytest-xdist
# workers / repeated runs compile the same shapes.  Opt out with LEMMACHECK_NO_CACHE=1.
if not os.environ.get("LEMMACHECK_NO_CACHE"):
    _cache = os.environ.get("LEMMACHECK_CACHE_DIR",
                            os.path.join(os.path.expanduser("~"), ".cache", "lemmacheck", "xla"))
    try:
        os.makedirs(_cache, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", _cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    except Exception:  # a read-only home must not break the suite
        pass

__all__ = ["jax"]
