"""Verdicts and their evidence; rendering as a rich table or JSON."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

VERDICTS = ("verified", "refuted", "erratum", "conditional", "inconclusive")


def _jsonable(x: Any):
    """Best-effort conversion of numpy/jax values to JSON-friendly Python."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)
    if isinstance(x, (str, int, bool)) or x is None:
        return x
    if np is not None:
        try:
            a = np.asarray(x)
            if a.dtype.kind in "fiub":
                if a.ndim == 0:
                    return _jsonable(a.item())
                return _jsonable(a.tolist())
        except Exception:
            pass
    if hasattr(x, "_asdict"):
        return _jsonable(x._asdict())
    if hasattr(x, "__dataclass_fields__"):
        return _jsonable(asdict(x))
    return str(x)


@dataclass
class Evidence:
    examples: int = 0  # parameter sets tried
    samples: int = 0  # Monte Carlo draws per estimate (0 if none)
    worst_z: float | None = None  # worst |est-exp|/se seen (MC checks)
    worst_margin: float | None = None  # tightest margin seen (inequalities; >=0 means held)
    tolerance: str = ""  # the tolerance policy used
    seed: int = 0
    wall_s: float = 0.0
    extra: dict = field(default_factory=dict)  # anything else worth reporting

    def merge(self, other: "Evidence") -> "Evidence":
        wz = [z for z in (self.worst_z, other.worst_z) if z is not None]
        wm = [m for m in (self.worst_margin, other.worst_margin) if m is not None]
        return Evidence(
            examples=self.examples + other.examples,
            samples=max(self.samples, other.samples),
            worst_z=max(wz) if wz else None,
            worst_margin=min(wm) if wm else None,
            tolerance="; ".join(t for t in dict.fromkeys([self.tolerance, other.tolerance]) if t),
            seed=self.seed,
            wall_s=self.wall_s + other.wall_s,
            extra={**self.extra, **other.extra},
        )


@dataclass
class Verdict:
    verdict: str
    summary: str = ""
    evidence: Evidence = field(default_factory=Evidence)
    counterexample: dict | None = None  # shrunk counterexample (printed so it can be pasted back)
    printed: str | None = None  # the statement as printed (erratum / refuted)
    corrected: str | None = None  # the corrected statement (erratum)
    condition: str | None = None  # explicit condition used (conditional)
    parts: list["Verdict"] = field(default_factory=list)  # sub-checks
    name: str = ""  # name of a sub-check
    # filled in by the runner:
    id: str = ""
    title: str = ""
    expect: str = ""
    source: str = ""
    line: int | None = None

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def ok(self) -> bool:
        """True when the verdict is the one the registry expects."""
        return self.verdict == self.expect

    def to_dict(self) -> dict:
        d = {
            "id": self.id, "title": self.title, "source": self.source, "line": self.line,
            "verdict": self.verdict, "expect": self.expect, "matches_expectation": self.ok,
            "summary": self.summary, "evidence": _jsonable(asdict(self.evidence)),
            "counterexample": _jsonable(self.counterexample), "printed": self.printed,
            "corrected": self.corrected, "condition": self.condition,
        }
        if self.parts:
            d["parts"] = [p.to_dict() for p in self.parts]
        if self.name:
            d["name"] = self.name
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)


STYLE = {"verified": "green", "refuted": "red", "erratum": "yellow", "conditional": "cyan",
         "inconclusive": "magenta"}


def _fmt(x, nd=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}g}"
    return str(x)


def make_console(stderr: bool = False):
    """A rich Console; when the stream is not a terminal (CI logs, pipes) and COLUMNS is unset, 200
    columns wide instead of rich's default 80, so a table row stays on a line or two instead of being
    folded into dozens."""
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(stderr=stderr, width=None if tty or "COLUMNS" in os.environ else 200)


def render_table(verdicts: list[Verdict], console=None, title: str = "lemmacheck"):
    from rich.table import Table

    console = console or make_console()
    t = Table(title=title, show_lines=False)
    for col in ("id", "verdict", "expect", "examples", "samples", "worst z", "margin", "seed", "time s", "summary"):
        t.add_column(col, overflow="fold")
    for v in verdicts:
        e = v.evidence
        mark = "" if v.ok else " [bold red](!)[/]"
        t.add_row(v.id, f"[{STYLE.get(v.verdict, 'white')}]{v.verdict}[/]{mark}", v.expect, str(e.examples),
                  str(e.samples), _fmt(e.worst_z), _fmt(e.worst_margin), str(e.seed), f"{e.wall_s:.2f}",
                  v.summary)
    console.print(t)


def render_detail(v: Verdict, console=None):
    """Full evidence of one verdict, for `verify check ID`."""
    from rich.panel import Panel

    console = console or make_console()
    e = v.evidence
    lines = [
        f"[bold]{v.id}[/]  {v.title}  ({v.source} line {v.line})",
        f"verdict: [{STYLE.get(v.verdict, 'white')}]{v.verdict}[/]   expected: {v.expect}"
        + ("" if v.ok else "   [bold red]DOES NOT MATCH THE REGISTRY[/]"),
        f"summary: {v.summary}",
        f"examples tried: {e.examples}   MC samples/estimate: {e.samples}   worst z: {_fmt(e.worst_z)}"
        f"   tightest margin: {_fmt(e.worst_margin)}",
        f"tolerance: {e.tolerance or '-'}",
        f"seed: {e.seed}   wall time: {e.wall_s:.2f}s",
    ]
    if v.printed:
        lines.append(f"printed:   {v.printed}")
    if v.corrected:
        lines.append(f"corrected: {v.corrected}")
    if v.condition:
        lines.append(f"condition: {v.condition}")
    if v.counterexample:
        lines.append(f"counterexample: {json.dumps(_jsonable(v.counterexample))}")
    for k, val in e.extra.items():
        lines.append(f"{k}: {json.dumps(_jsonable(val)) if not isinstance(val, str) else val}")
    for p in v.parts:
        pe = p.evidence
        lines.append(f"  - {p.name or 'part'}: [{STYLE.get(p.verdict, 'white')}]{p.verdict}[/] {p.summary}"
                     f" (examples {pe.examples}, worst z {_fmt(pe.worst_z)}, margin {_fmt(pe.worst_margin)})")
        if p.counterexample:
            lines.append(f"      counterexample: {json.dumps(_jsonable(p.counterexample))}")
    console.print(Panel("\n".join(lines), expand=False))
