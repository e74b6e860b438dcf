"""Run profiles: how hard a check searches.  Shared by the CLI and the pytest properties.

The Hypothesis profiles of the same names are registered here (imported by properties/conftest).
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int  # Hypothesis examples per check
    mc_samples: int  # Monte Carlo draws per estimate (before a check's own multiplier)
    derandomize: bool  # Hypothesis derandomized (CI)
    scale: float  # multiplier for sizes of simulations (widths, trials, iterations)

    def n(self, base: int | None = None, *, minimum: int = 1000) -> int:
        """Sample count for an estimator: ``base`` scaled by the profile, at least ``minimum``."""
        b = self.mc_samples if base is None else int(base * self.mc_samples / PROFILES["ci"].mc_samples)
        return max(minimum, int(b))

    def examples(self, base: int | None = None, *, minimum: int = 2) -> int:
        b = self.max_examples if base is None else int(round(base * self.max_examples / PROFILES["ci"].max_examples))
        return max(minimum, b)

    def sized(self, base: float, *, minimum: float = 1) -> int:
        return int(max(minimum, round(base * self.scale)))


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", max_examples=6, mc_samples=100_000, derandomize=True, scale=0.5),
    "ci": Profile("ci", max_examples=10, mc_samples=200_000, derandomize=True, scale=1.0),
    "thorough": Profile("thorough", max_examples=60, mc_samples=2_000_000, derandomize=False, scale=4.0),
}
DEFAULT_PROFILE = "quick"

_COMMON = dict(deadline=None, database=None, print_blob=False,
               suppress_health_check=list(HealthCheck))
for _p in PROFILES.values():
    settings.register_profile(_p.name, max_examples=_p.max_examples, derandomize=_p.derandomize, **_COMMON)


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
