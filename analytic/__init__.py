"""Closed forms and constructions of the sources, as pure float64 JAX functions.

One module per topic (see GUIDE.md).  Nothing here knows about the verification engine.
"""
import jax

jax.config.update("jax_enable_x64", True)
