"""Hypothesis profiles for the properties: ``quick`` (default), ``ci`` (derandomized), ``thorough``.

Select with ``pytest --hypothesis-profile=ci`` or ``HYPOTHESIS_PROFILE=ci``.  Each property runs
one registered statement under the profile of the same name and asserts the verdict the registry
expects; a failure prints the command that replays it (with the seed).
"""
import os

from hypothesis import settings

import verify.profiles  # noqa: F401  (registers the Hypothesis profiles quick / ci / thorough)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
