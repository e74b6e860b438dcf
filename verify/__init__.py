"""lemmacheck verification engine: registry, Monte Carlo, tolerances, verdicts, CLI."""
import os

import jax

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
