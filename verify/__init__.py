"""lemmacheck verification engine: registry, Monte Carlo, tolerances, verdicts, CLI."""
import os

import jax

jax.config.update("jax_enable_x64", True)

__all__ = ["jax"]
