"""``python -m verify report``: one self-contained HTML page (and a Markdown twin) with, for every
catalog statement, the verdict and its evidence; the errata; the experiments next to the published
numbers; and the catalog coverage.

The HTML needs no network: CSS is inline and figures are embedded as base64 ``data:`` URIs.  The
Markdown version references the same figures copied into ``<out>/img/``.  A machine-readable
``report.json`` (verdict dicts + coverage + timings) is written beside them.

Typical use::

    python -m verify report --profile quick --out report/          # everything
    python -m verify report --chapter 5 --no-experiments            # one chapter, checks only
    python -m verify report --ids thm-5.1,lemma-5.2 --out /tmp/r    # a few statements
    python -m verify all --json > v.jsonl && python -m verify report --from-json v.jsonl

Experiments: with ``--experiments`` (default) each registered experiment's figure is embedded from
``--results DIR`` (default ``results/``, what ``python -m verify experiment ID --out results``
writes) when it is already there, and run at the profile's scale otherwise (``--rerun-experiments``
forces a run).
"""
from __future__ import annotations

import argparse
import base64
import csv
import datetime as _dt
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, OrderedDict
from pathlib import Path

VERDICT_ORDER = ("verified", "erratum", "conditional", "refuted", "inconclusive")
COLORS = {"verified": "#1b7f3b", "refuted": "#b3261e", "erratum": "#a15c00", "conditional": "#006b7d",
          "inconclusive": "#6f42c1", "not run": "#777", "not registered": "#444"}
CHAPTER_ORDER = ["1", "2", "3", "4", "5", "paper", "6", "7", "essay"]
REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- catalog
def catalog_path(explicit: str | os.PathLike | None = None) -> Path | None:
    """The catalog CSV: ``explicit``, else ``$LEMMACHECK_CATALOG``, else ``<repo>/../shared/catalog``."""
    cands = []
    if explicit:
        cands.append(Path(explicit))
    if os.environ.get("LEMMACHECK_CATALOG"):
        cands.append(Path(os.environ["LEMMACHECK_CATALOG"]))
    cands.append(REPO.parent / "shared" / "catalog" / "statements.csv")
    for c in cands:
        if c.is_file():
            return c
    return None


def load_catalog(path: str | os.PathLike | None = None) -> list[dict]:
    """Catalog rows as dicts (columns id, aliases, chapter, title, kind, check, checkable, cost, line);
    an empty list when no catalog can be found (the report then lists the registry only)."""
    p = catalog_path(path)
    if p is None:
        return []
    with open(p, newline="", encoding="utf-8") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def alias_names(row: dict) -> list[str]:
    """Alias names of a catalog row: the ``aliases`` column split on ';' / ',', without ``@L...`` and
    parentheticals."""
    txt = re.sub(r"\([^)]*\)", "", row.get("aliases", ""))
    out = []
    for part in re.split(r"[;,]", txt):
        part = part.strip().split("@")[0].strip()
        if part:
            out.append(part)
    return out


def registered_id(row: dict) -> str | None:
    """The registry id that covers a catalog row (by id, else by one of its aliases), or None."""
    from . import registry

    registry.load_all()
    for cand in [row["id"], *alias_names(row)]:
        if cand in registry.REGISTRY:
            return cand
        if cand in registry.ALIASES:
            return registry.ALIASES[cand]
    return None


def _chapter_key(c: str):
    return (CHAPTER_ORDER.index(c) if c in CHAPTER_ORDER else 99, c)


def coverage(catalog: list[dict], verdicts: dict[str, dict] | None = None) -> dict:
    """How many catalog rows have a registered check, by chapter and by kind; the rows without one;
    ``yes``/``partial`` rows whose registered expectation is a bare ``inconclusive``."""
    from . import registry

    registry.load_all()
    by_ch: dict = OrderedDict()
    by_kind: dict = OrderedDict()
    missing, placeholder = [], []
    for row in catalog:
        sid = registered_id(row)
        ch, kind = row.get("chapter", "?") or "?", row.get("kind", "?") or "?"
        for d, k in ((by_ch, ch), (by_kind, kind)):
            d.setdefault(k, {"rows": 0, "registered": 0, "real": 0})
            d[k]["rows"] += 1
        if sid is None:
            missing.append(row)
            continue
        st = registry.REGISTRY[sid]
        real = st.expect != "inconclusive"
        if verdicts and sid in verdicts:
            real = real and verdicts[sid]["verdict"] != "inconclusive"
        for d, k in ((by_ch, ch), (by_kind, kind)):
            d[k]["registered"] += 1
            d[k]["real"] += int(real)
        if not real and row.get("checkable") in ("yes", "partial"):
            placeholder.append({**row, "registered_as": sid, "expect": st.expect,
                                "reason": (verdicts or {}).get(sid, {}).get("summary", "")})
    by_ch = OrderedDict(sorted(by_ch.items(), key=lambda kv: _chapter_key(kv[0])))
    ids_in_catalog = set()
    for row in catalog:
        sid = registered_id(row)
        if sid:
            ids_in_catalog.add(sid)
    extra = [s for s in registry.REGISTRY if s not in ids_in_catalog]
    n = len(catalog)
    reg = n - len(missing)
    return {"rows": n, "registered": reg, "real": sum(v["real"] for v in by_ch.values()),
            "by_chapter": by_ch, "by_kind": by_kind, "missing": missing, "placeholder": placeholder,
            "registered_not_in_catalog": extra}


# ----------------------------------------------------------------------------- selection
def select_statements(catalog: list[dict], chapter: str | None = None, ids: list[str] | None = None):
    """(catalog rows in order, plus registered statements missing from the catalog), filtered by
    ``chapter`` (registry chapter or catalog chapter) or ``ids`` (ids or aliases).  Each item is
    ``(row_or_None, statement_or_None)``."""
    from . import registry

    registry.load_all()
    items, seen = [], set()
    for row in catalog:
        sid = registered_id(row)
        st = registry.REGISTRY.get(sid) if sid else None
        items.append((row, st))
        if sid:
            seen.add(sid)
    for st in registry.all_statements():
        if st.id not in seen:
            items.append((None, st))
    if ids:
        want = set()
        for i in ids:
            want.add(registry.resolve(i))  # raises UnknownStatement with suggestions
        items = [(r, s) for r, s in items if s is not None and s.id in want]
    if chapter is not None:
        ch = str(chapter).lower()
        items = [(r, s) for r, s in items
                 if (r is not None and r.get("chapter", "").lower() == ch) or (s is not None and s.chapter == ch)]
    return items


def _experiment_chapter(eid: str) -> str:
    m = re.search(r"(\d+)", eid)
    return m.group(1) if m else "?"


# ----------------------------------------------------------------------------- running
def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except Exception:
        return "unknown"


def _run_one(sid: str, profile: str, seed: int, progress=None) -> dict:
    from . import registry
    from .registry import InvalidParameter
    from .verdict import Evidence, Verdict

    st = registry.get(sid)
    cpu0 = time.process_time()
    try:
        v = st.run(profile, seed=seed, progress=progress)
    except InvalidParameter as exc:
        v = Verdict("inconclusive", summary=f"invalid parameter: {exc}", evidence=Evidence(seed=seed))
        v.id, v.title, v.expect, v.source, v.line = st.id, st.title, st.expect, st.source, st.line
    d = v.to_dict()
    d["cpu_s"] = time.process_time() - cpu0  # CPU seconds of this process (less load-sensitive than wall)
    return d


def _worker_init():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    from . import registry
    registry.load_all()


def run_checks(statements, profile: str, seed: int, progress=None, on_result=None, jobs: int = 1) -> dict[str, dict]:
    """Run each statement; verdict dicts keyed by id (a crash or bad input becomes inconclusive).

    ``jobs > 1`` runs the checks in that many worker processes (spawned, so JAX is never forked);
    the verdicts are identical (every draw comes from keys derived from the seed and the id)."""
    sts = list(statements)
    out: dict[str, dict] = {}
    if jobs <= 1 or len(sts) <= 1:
        for st in sts:
            if progress:
                progress("start", st.id)
            d = _run_one(st.id, profile, seed,
                         (lambda m, s=st: progress("note", f"{s.id}: {m}")) if progress else None)
            out[st.id] = d
            if on_result:
                on_result(d)
            if progress:
                progress("done", st.id)
        return out
    verdicts, _ = run_parallel(sts, [], Path("."), profile, seed, None, False, jobs, progress=progress,
                               on_result=on_result)
    return verdicts


def read_verdicts_json(path: Path) -> dict[str, dict]:
    """Verdicts from ``python -m verify all --json`` (one object a line) or a report.json."""
    txt = Path(path).read_text()
    try:
        obj = json.loads(txt)
        if isinstance(obj, dict) and "verdicts" in obj:
            return {d["id"]: d for d in obj["verdicts"]}
        if isinstance(obj, list):
            return {d["id"]: d for d in obj}
        if isinstance(obj, dict) and "id" in obj:
            return {obj["id"]: obj}
    except json.JSONDecodeError:
        pass
    out = {}
    for line in txt.splitlines():
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line)
            out[d["id"]] = d
    return out


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def find_experiment_files(results: Path | None, eid: str) -> list[Path]:
    """Files of experiment ``eid`` already in ``results`` (``table-5.1.png``, ``fig_2_1.csv``, ...)."""
    if results is None or not Path(results).is_dir():
        return []
    key = _norm(eid)
    files = []
    for p in sorted(Path(results).iterdir()):
        if p.is_file() and p.suffix.lower() in (".png", ".csv", ".txt", ".json", ".svg"):
            stem = _norm(p.name[: -len(p.suffix)])
            if stem == key or (stem.startswith(key) and not stem[len(key):len(key) + 1].isdigit()):
                files.append(p)
    return files


def _embedded_experiment(eid: str, results: Path | None, rerun: bool) -> dict | None:
    """The record of an experiment whose figure is already in ``results`` (None if it must run)."""
    from . import experiments

    experiments.load_all()
    e = experiments.EXPERIMENTS[eid]
    existing = [] if rerun else find_experiment_files(results, eid)
    if not any(p.suffix.lower() == ".png" for p in existing):
        return None
    rec = {"id": eid, "title": e.title, "module": e.module, "source": f"embedded from {results}",
           "files": [str(p) for p in existing], "text": "", "numbers": {}, "wall_s": None, "error": None}
    js = [p for p in existing if p.name.endswith(".summary.json")]
    txt = [p for p in existing if p.suffix == ".txt"]
    if js:
        try:
            d = json.loads(js[0].read_text())
            rec["text"] = d.pop("text", "") or ""
            rec["numbers"] = {k: v for k, v in d.items() if k not in ("files", "id")}
        except Exception:
            pass
    if not rec["text"] and txt:
        rec["text"] = txt[0].read_text()[:20000]
    return rec


def _run_experiment(eid: str, out_dir: str, profile: str, seed: int, progress=None) -> dict:
    """Run one experiment into ``out_dir/experiments`` at the profile's scale; its record."""
    from . import experiments
    from .profiles import get_profile
    from .verdict import _jsonable

    experiments.load_all()
    e = experiments.EXPERIMENTS[eid]
    rec = {"id": eid, "title": e.title, "module": e.module, "source": "", "files": [], "text": "",
           "numbers": {}, "wall_s": None, "error": None}
    edir = Path(out_dir) / "experiments"
    edir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        summ = dict(e.fn(edir, get_profile(profile), seed, progress or (lambda m: None), full=False) or {})
        rec["wall_s"] = time.perf_counter() - t0
        rec["source"] = f"run now ({profile} profile, seed {seed}, {rec['wall_s']:.1f} s)"
        rec["files"] = [str(f) for f in summ.pop("files", [])]
        rec["text"] = str(summ.pop("text", "") or "")
        rec["numbers"] = _jsonable(summ)
        (edir / f"{eid}.summary.json").write_text(json.dumps(
            _jsonable({"id": eid, "text": rec["text"], **rec["numbers"], "files": rec["files"]}), indent=1))
    except Exception as exc:  # an experiment that crashes is reported, not hidden
        rec["wall_s"] = time.perf_counter() - t0
        rec["error"] = f"{type(exc).__name__}: {exc}"
    return rec


def run_experiments(exp_ids: list[str], out_dir: Path, profile: str, seed: int, results: Path | None,
                    rerun: bool, progress=None) -> list[dict]:
    """For each experiment: embed existing files from ``results`` or run it into ``out_dir/experiments``."""
    res = []
    for eid in exp_ids:
        if progress:
            progress("start", f"experiment {eid}")
        rec = _embedded_experiment(eid, results, rerun)
        if rec is None:
            rec = _run_experiment(eid, str(out_dir), profile, seed,
                                  (lambda m: progress("note", f"{eid}: {m}")) if progress else None)
        res.append(rec)
        if progress:
            progress("done", f"experiment {eid}")
    return res


def run_parallel(statements, exp_ids: list[str], out_dir: Path, profile: str, seed: int, results: Path | None,
                 rerun: bool, jobs: int, progress=None, on_result=None):
    """Checks and experiments together in ``jobs`` spawned worker processes; experiments (long) are
    submitted first.  Returns (verdicts by id in input order, experiment records in input order)."""
    import concurrent.futures as cf
    import multiprocessing as mp

    sts = list(statements)
    recs: dict[str, dict] = {}
    to_run = []
    for eid in exp_ids:
        rec = _embedded_experiment(eid, results, rerun)
        if rec is None:
            to_run.append(eid)
        else:
            recs[eid] = rec
            if progress:
                progress("done", f"experiment {eid}")
    out: dict[str, dict] = {}
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                                initializer=_worker_init) as ex:
        futs = {ex.submit(_run_experiment, eid, str(out_dir), profile, seed): ("exp", eid) for eid in to_run}
        futs.update({ex.submit(_run_one, st.id, profile, seed): ("check", st.id) for st in sts})
        if progress:
            progress("start", f"{len(sts)} checks + {len(to_run)} experiments in {jobs} processes")
        for f in cf.as_completed(futs):
            kind, name = futs[f]
            try:
                d = f.result()
            except Exception as exc:  # a worker that died: report it, never pass
                if kind == "exp":
                    d = {"id": name, "title": "", "module": "", "source": "worker failed", "files": [], "text": "",
                         "numbers": {}, "wall_s": None, "error": f"{type(exc).__name__}: {exc}"}
                else:
                    st = next(s for s in sts if s.id == name)
                    d = {"id": name, "title": st.title, "source": st.source, "line": st.line,
                         "verdict": "inconclusive", "expect": st.expect,
                         "matches_expectation": st.expect == "inconclusive",
                         "summary": f"worker failed: {type(exc).__name__}: {exc}", "evidence": {"seed": seed},
                         "counterexample": None, "printed": None, "corrected": None, "condition": None}
            if kind == "exp":
                recs[name] = d
            else:
                out[name] = d
                if on_result:
                    on_result(d)
            if progress:
                progress("note", f"done {name}")
                progress("done", name)
    return {st.id: out[st.id] for st in sts}, [recs[e] for e in exp_ids]


# ----------------------------------------------------------------------------- formatting helpers
def _num(x, nd=3) -> str:
    if x is None or x == "":
        return "–"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(xf):
        return str(xf)
    return f"{xf:.{nd}g}"


def _compact(obj, limit: int = 600) -> str:
    s = json.dumps(obj, default=str)
    s = re.sub(r"(-?\d+\.\d{6})\d+", r"\1", s)  # shorten long floats for reading (full values in report.json)
    return s if len(s) <= limit else s[:limit] + " …"


def _evidence(d: dict) -> dict:
    return d.get("evidence") or {}


def _cex_text(d: dict) -> str:
    c = d.get("counterexample")
    if not c:
        for p in d.get("parts") or []:
            if p.get("counterexample"):
                c = p["counterexample"]
                break
    return _compact(c, 900) if c else ""


def _verdict_counts(verdicts: dict[str, dict]) -> Counter:
    return Counter(d["verdict"] for d in verdicts.values())


def _esc(s) -> str:
    return html.escape("" if s is None else str(s))


def _data_uri(p: Path) -> str:
    mime = {"png": "image/png", "svg": "image/svg+xml", "jpg": "image/jpeg", "jpeg": "image/jpeg"}[
        p.suffix.lower().lstrip(".")]
    return f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def _read_csv(p: Path) -> list[dict]:
    try:
        with open(p, newline="") as f:
            return list(csv.DictReader(f))
    except Exception:
        return []


def published_tables(files: list[str]) -> list[dict]:
    """CSV files with a ``published`` column, pivoted when they have k/ratio/p_hat columns (Table 5.1):
    ``[{"title", "header", "rows": [[cell, ...]], "outside": count}]``; cells are (text, flag)."""
    out = []
    for f in files:
        p = Path(f)
        if p.suffix.lower() != ".csv" or not p.is_file():
            continue
        rows = _read_csv(p)
        if not rows or "published" not in rows[0]:
            continue
        cols = set(rows[0])
        if {"k", "ratio", "p_hat"} <= cols:
            groups = OrderedDict()
            for r in rows:
                groups.setdefault(r.get("norm_a", ""), []).append(r)
            for g, rs in groups.items():
                ks = list(OrderedDict.fromkeys(r["k"] for r in rs))
                ratios = list(OrderedDict.fromkeys(r["ratio"] for r in rs))
                cell = {(r["k"], r["ratio"]): r for r in rs}
                body, outside = [], 0
                for k in ks:
                    line = [(f"k = {k}", False)]
                    for rt in ratios:
                        r = cell.get((k, rt))
                        if r is None:
                            line.append(("", False))
                            continue
                        lo, hi = r.get("ci95_lo"), r.get("ci95_hi")
                        ins = str(r.get("published_inside_ci95", "True")) == "True"
                        outside += int(not ins)
                        line.append((f"{float(r['p_hat']):.3f} [{float(lo):.3f}, {float(hi):.3f}] | "
                                     f"pub {float(r['published']):.2f}", not ins))
                    body.append(line)
                n = rs[0].get("n", "?")
                out.append({"title": f"{p.name}" + (f", ||a*|| = {g}" if g else "") + f" ({n} inits per cell)",
                            "header": ["k \\ ratio"] + ratios, "rows": body, "outside": outside,
                            "note": "cell: our estimate [95% Wilson interval] | published; highlighted = the "
                                    "published number lies outside our interval (±0.005 rounding)"})
        else:
            hdr = list(rows[0])
            out.append({"title": p.name, "header": hdr, "rows": [[(r[h], False) for h in hdr] for r in rows[:40]],
                        "outside": 0, "note": f"{len(rows)} rows" + (" (first 40 shown)" if len(rows) > 40 else "")})
    return out


# ----------------------------------------------------------------------------- HTML
CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em auto;max-width:1500px;
     padding:0 1em;color:#222;line-height:1.35}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f1f1f1;position:sticky;top:0}
tr:nth-child(even) td{background:#fafafa}
.v{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-weight:600;font-size:12px}
.mismatch{outline:3px solid #b3261e}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.small{font-size:12px;color:#555}
code,.mono{font-family:Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;word-break:break-word}
.box{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0;background:#fcfcfc}
.flag{background:#ffe3e0 !important}
.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{border:1px solid #ddd;border-radius:6px;padding:.4em .9em;min-width:7em}
.card b{font-size:20px;display:block}
img.fig{max-width:100%;border:1px solid #ddd;margin:.4em 0}
details summary{cursor:pointer;color:#0b57d0}
.bar{background:#eee;width:120px;height:10px;display:inline-block;vertical-align:middle}
.bar span{background:#1b7f3b;height:10px;display:block}
"""


def _badge(v: str, mismatch: bool = False) -> str:
    return (f'<span class="v{" mismatch" if mismatch else ""}" style="background:{COLORS.get(v, "#777")}">'
            f"{_esc(v)}</span>")


def _row_info(row: dict | None, st, d: dict | None) -> dict:
    sid = st.id if st is not None else row["id"]
    title = (row or {}).get("title") or (st.title if st else "")
    line = (row or {}).get("line") or (st.line if st else "")
    src = st.source if st else ("thesis" if not sid.startswith(("paper:", "essay:")) else sid.split(":")[0])
    return {"id": sid, "catalog_id": (row or {}).get("id", ""), "title": title, "line": line, "source": src,
            "chapter": (row or {}).get("chapter") or (st.chapter if st else "?"), "kind": (row or {}).get("kind", ""),
            "checkable": (row or {}).get("checkable", ""), "registered": st is not None,
            "expect": st.expect if st else "", "aliases": list(st.aliases) if st else [],
            "verdict": (d or {}).get("verdict") or ("not registered" if st is None else "not run"), "d": d}


def _evidence_cells(d: dict | None) -> list[str]:
    if not d:
        return ["–"] * 7
    e = _evidence(d)
    return [_num(e.get("examples")), _num(e.get("samples")), _num(e.get("worst_z")), _num(e.get("worst_margin")),
            _num(e.get("seed")), _num(e.get("wall_s"), 3), e.get("tolerance") or ""]


def _detail_html(info: dict) -> str:
    d = info["d"]
    if not d:
        return ""
    parts = []
    if d.get("printed"):
        parts.append(f"<div><b>as printed:</b> <span class='mono'>{_esc(d['printed'])}</span></div>")
    if d.get("corrected"):
        parts.append(f"<div><b>corrected:</b> <span class='mono'>{_esc(d['corrected'])}</span></div>")
    if d.get("condition"):
        parts.append(f"<div><b>condition:</b> <span class='mono'>{_esc(d['condition'])}</span></div>")
    cex = _cex_text(d)
    if cex and d["verdict"] in ("erratum", "refuted", "conditional"):
        parts.append(f"<div><b>counterexample:</b> <span class='mono'>{_esc(cex)}</span></div>")
    sub = []
    for p in d.get("parts") or []:
        pe = _evidence(p)
        sub.append(f"<li>{_esc(p.get('name') or 'part')}: {_badge(p['verdict'])} {_esc(p.get('summary'))} "
                   f"<span class='small'>(examples {_num(pe.get('examples'))}, samples {_num(pe.get('samples'))}, "
                   f"worst z {_num(pe.get('worst_z'))}, margin {_num(pe.get('worst_margin'))})</span></li>")
    if sub:
        parts.append("<details><summary>sub-checks</summary><ul>" + "".join(sub) + "</ul></details>")
    extra = {k: v for k, v in (_evidence(d).get("extra") or {}).items() if k != "traceback"}
    if extra:
        parts.append(f"<details><summary>more evidence</summary><div class='mono'>{_esc(_compact(extra, 3000))}"
                     f"</div></details>")
    return "".join(parts)


def _summary_cards(infos, verdicts, meta) -> str:
    cnt = Counter(i["verdict"] for i in infos)
    cards = [f"<div class='card'><b>{len(infos)}</b>statements</div>"]
    for v in (*VERDICT_ORDER, "not run", "not registered"):
        if cnt.get(v):
            cards.append(f"<div class='card' style='border-color:{COLORS[v]}'><b style='color:{COLORS[v]}'>"
                         f"{cnt[v]}</b>{_esc(v)}</div>")
    mism = [i["id"] for i in infos if i["d"] and not i["d"].get("matches_expectation", True)]
    ran = [i for i in infos if i["d"]]
    cards.append(f"<div class='card'><b>{len(ran) - len(mism)}/{len(ran)}</b>as expected</div>")
    out = "<div class='cards'>" + "".join(cards) + "</div>"
    if mism:
        out += ("<p class='box flag'><b>Verdicts that differ from the registry's expectation:</b> "
                + ", ".join(f"<a href='#{_anchor(m)}'>{_esc(m)}</a>" for m in mism) + "</p>")
    return out


def _anchor(sid: str) -> str:
    return "s-" + re.sub(r"[^A-Za-z0-9_-]", "_", sid)


def render_html(infos, experiments_res, cov, meta) -> str:
    h = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<title>lemmacheck report</title><style>{CSS}</style></head><body>",
         "<h1>lemmacheck report</h1>",
         f"<p class='small'>profile <b>{_esc(meta['profile'])}</b>, seed <b>{_esc(meta['seed'])}</b>, "
         f"commit {_esc(meta['commit'])}, generated {_esc(meta['generated'])}, "
         f"check time {meta['check_wall_s']:.1f} s, total {meta['total_wall_s']:.1f} s"
         + (f", selection: {_esc(meta['selection'])}" if meta.get("selection") else "")
         + (f", verdicts read from {_esc(meta['from_json'])}" if meta.get("from_json") else "") + "</p>",
         "<p>Each statement of the catalog is a registered, falsifiable check. <b>verified</b>: held on every "
         "example tried (the evidence says how hard it was tried); <b>erratum</b>: the statement as printed is "
         "refuted and a corrected form verified; <b>conditional</b>: holds only under an explicit condition the "
         "source leaves implicit (a counterexample outside it is shown); <b>refuted</b>: a counterexample exists; "
         "<b>inconclusive</b>: could not be decided or nothing numeric to check (reason given). Counterexamples "
         "carry the command that replays them.</p>",
         "<nav class='box'><a href='#verdicts'>Verdicts</a> · <a href='#errata'>Errata</a> · "
         "<a href='#conditions'>Conditions</a> · <a href='#experiments'>Experiments</a> · "
         "<a href='#coverage'>Coverage</a> · <a href='#timing'>Timing</a></nav>",
         _summary_cards(infos, None, meta)]

    # verdict table
    h.append("<h2 id='verdicts'>Verdicts</h2>")
    h.append("<table id='verdict-table'><thead><tr><th>id</th><th>title</th><th>source</th><th>verdict</th>"
             "<th>expected</th><th>examples</th><th>samples</th><th>worst z</th><th>margin</th><th>seed</th>"
             "<th>time s</th><th>tolerance</th><th>summary / details</th></tr></thead><tbody>")
    for i in infos:
        d = i["d"]
        mism = bool(d) and not d.get("matches_expectation", True)
        ev = _evidence_cells(d)
        alias = f"<div class='small'>{_esc(', '.join(i['aliases']))}</div>" if i["aliases"] else ""
        h.append(f"<tr id='{_anchor(i['id'])}' data-verdict='{_esc(i['verdict'])}'><td><b>{_esc(i['id'])}</b>{alias}</td>"
                 f"<td>{_esc(i['title'])}<div class='small'>{_esc(i['kind'])}</div></td>"
                 f"<td class='small'>{_esc(i['source'])} L{_esc(i['line'])}</td>"
                 f"<td>{_badge(i['verdict'], mism)}</td><td>{_esc(i['expect'])}</td>"
                 + "".join(f"<td class='num'>{_esc(c)}</td>" for c in ev[:6])
                 + f"<td class='small'>{_esc(ev[6])}</td>"
                 f"<td>{_esc((d or {}).get('summary', ''))}{_detail_html(i)}</td></tr>")
    h.append("</tbody></table>")

    # errata
    errata = [i for i in infos if i["verdict"] in ("erratum", "refuted")]
    h.append(f"<h2 id='errata'>Errata: statements wrong as printed ({len(errata)})</h2>")
    if not errata:
        h.append("<p>None found in this selection.</p>")
    else:
        h.append("<p>Each item: the statement as printed, the minimal (Hypothesis-shrunk) counterexample with its "
                 "replay command, and the corrected statement that was verified.</p><ol>")
        for i in errata:
            d = i["d"]
            h.append(f"<li class='box'><b><a href='#{_anchor(i['id'])}'>{_esc(i['id'])}</a></b> "
                     f"({_esc(i['source'])} line {_esc(i['line'])}) {_badge(i['verdict'])} {_esc(i['title'])}"
                     f"<div><b>as printed:</b> <span class='mono'>{_esc(d.get('printed') or i['title'])}</span></div>"
                     f"<div><b>counterexample:</b> <span class='mono'>{_esc(_cex_text(d) or '–')}</span></div>"
                     f"<div><b>corrected:</b> <span class='mono'>{_esc(d.get('corrected') or '–')}</span></div>"
                     f"<div class='small'>{_esc(d.get('summary'))}</div></li>")
        h.append("</ol>")

    conds = [i for i in infos if i["verdict"] == "conditional"]
    h.append(f"<h2 id='conditions'>Statements that need an explicit condition ({len(conds)})</h2>")
    if conds:
        h.append("<table><thead><tr><th>id</th><th>as printed</th><th>explicit condition</th>"
                 "<th>counterexample outside it</th></tr></thead><tbody>")
        for i in conds:
            d = i["d"]
            h.append(f"<tr><td><a href='#{_anchor(i['id'])}'>{_esc(i['id'])}</a></td>"
                     f"<td>{_esc(d.get('printed') or i['title'])}</td><td class='mono'>{_esc(d.get('condition'))}</td>"
                     f"<td class='mono'>{_esc(_cex_text(d))}</td></tr>")
        h.append("</tbody></table>")
    else:
        h.append("<p>None in this selection.</p>")

    # experiments
    h.append("<h2 id='experiments'>Experiments: reproduced tables and figures</h2>")
    if experiments_res is None:
        h.append("<p>Experiments not included (<code>--no-experiments</code>).</p>")
    elif not experiments_res:
        h.append("<p>No experiment registered for this selection.</p>")
    for e in experiments_res or []:
        h.append(f"<div class='box' id='exp-{_esc(e['id'])}'><h3>{_esc(e['id'])}: {_esc(e['title'])}</h3>"
                 f"<p class='small'>{_esc(e['source'])}</p>")
        if e.get("error"):
            h.append(f"<p class='flag'>experiment failed: {_esc(e['error'])}</p>")
        for f in e["files"]:
            p = Path(f)
            if p.suffix.lower() in (".png", ".svg", ".jpg", ".jpeg") and p.is_file():
                h.append(f"<figure><img class='fig' alt='{_esc(e['id'])}: {_esc(p.name)}' src='{_data_uri(p)}'>"
                         f"<figcaption class='small'>{_esc(p.name)}</figcaption></figure>")
        for t in published_tables(e["files"]):
            h.append(f"<h4>{_esc(t['title'])}: ours vs published</h4><p class='small'>{_esc(t['note'])}"
                     + (f"; published outside our 95% interval in {t['outside']} cells" if t["outside"] else "")
                     + "</p><table class='published'><thead><tr>"
                     + "".join(f"<th>{_esc(c)}</th>" for c in t["header"]) + "</tr></thead><tbody>")
            for r in t["rows"]:
                h.append("<tr>" + "".join(f"<td class='num{' flag' if fl else ''}'>{_esc(c)}</td>" for c, fl in r)
                         + "</tr>")
            h.append("</tbody></table>")
        if e.get("numbers"):
            h.append("<p class='small'>parameters / numbers: <span class='mono'>"
                     f"{_esc(_compact(e['numbers'], 2000))}</span></p>")
        if e.get("text"):
            h.append(f"<details><summary>summary text</summary><pre class='mono'>{_esc(e['text'])}</pre></details>")
        h.append("</div>")

    # coverage
    h.append("<h2 id='coverage'>Catalog coverage</h2>")
    h.append(_coverage_html(cov, meta))

    # timing
    h.append("<h2 id='timing'>Timing</h2>")
    times = sorted(((i["id"], _evidence(i["d"]).get("wall_s") or 0.0, i["d"].get("cpu_s")) for i in infos
                    if i["d"]), key=lambda t: -t[1])
    tot = sum(t for _, t, _ in times)
    cpu = sum(c for _, _, c in times if c is not None)
    h.append(f"<p>{len(times)} checks, {tot:.1f} s of check wall time in total"
             + (f", {cpu:.1f} s CPU" if cpu else "")
             + (f" ({meta['check_wall_s']:.1f} s wall for this run)" if not meta.get("from_json") else "")
             + ". Slowest:</p><table><thead><tr><th>id</th><th>wall s</th><th>CPU s</th></tr></thead><tbody>"
             + "".join(f"<tr><td>{_esc(s)}</td><td class='num'>{t:.2f}</td><td class='num'>{_num(c, 3)}</td></tr>"
                       for s, t, c in times[:15])
             + "</tbody></table>")
    if experiments_res:
        h.append("<table><thead><tr><th>experiment</th><th>time s</th></tr></thead><tbody>"
                 + "".join(f"<tr><td>{_esc(e['id'])}</td><td class='num'>{_num(e['wall_s'], 3)}</td></tr>"
                           for e in experiments_res) + "</tbody></table>")
    h.append("</body></html>")
    return "\n".join(h)


def _coverage_html(cov, meta) -> str:
    if not cov or not cov["rows"]:
        return ("<p class='flag'>Catalog not found (set <code>LEMMACHECK_CATALOG</code> or pass "
                "<code>--catalog</code>): coverage not computed.</p>")

    def pct(a, b):
        return f"{100.0 * a / b:.0f}%" if b else "–"

    def table(title, d):
        rows = "".join(
            f"<tr><td>{_esc(k)}</td><td class='num'>{v['rows']}</td><td class='num'>{v['registered']}</td>"
            f"<td class='num'>{pct(v['registered'], v['rows'])}</td><td><span class='bar'><span style='width:"
            f"{100.0 * v['registered'] / max(v['rows'], 1):.0f}%'></span></span></td>"
            f"<td class='num'>{v['real']}</td></tr>" for k, v in d.items())
        return (f"<table><thead><tr><th>{title}</th><th>rows</th><th>registered</th><th>%</th><th></th>"
                f"<th>with a real check</th></tr></thead><tbody>{rows}</tbody></table>")

    h = [f"<p><b>{cov['registered']}/{cov['rows']}</b> catalog rows have a registered check "
         f"({pct(cov['registered'], cov['rows'])}); {cov['real']} with a real (not placeholder-inconclusive) check. "
         f"Catalog: <code>{_esc(meta.get('catalog'))}</code></p>",
         "<div class='cards'>", table("chapter", cov["by_chapter"]), table("kind", cov["by_kind"]), "</div>"]
    if cov["missing"]:
        h.append("<h3>Rows without a registered check</h3><ul>"
                 + "".join(f"<li><b>{_esc(r['id'])}</b> (chapter {_esc(r.get('chapter'))}, {_esc(r.get('kind'))}): "
                           f"{_esc(r.get('title'))}</li>" for r in cov["missing"]) + "</ul>")
    else:
        h.append("<p>Every catalog row is registered.</p>")
    if cov["placeholder"]:
        h.append("<h3>Checkable rows (yes/partial) whose check is inconclusive</h3><ul>"
                 + "".join(f"<li><b>{_esc(r['id'])}</b> ({_esc(r.get('checkable'))}): {_esc(r.get('reason') or r.get('title'))}"
                           "</li>" for r in cov["placeholder"]) + "</ul>")
    if cov["registered_not_in_catalog"]:
        h.append("<p class='small'>Registered but not in the catalog: "
                 f"{_esc(', '.join(cov['registered_not_in_catalog']))}</p>")
    return "\n".join(h)


# ----------------------------------------------------------------------------- Markdown
def _md(s) -> str:
    return ("" if s is None else str(s)).replace("|", "\\|").replace("\n", " ")


def render_markdown(infos, experiments_res, cov, meta, img_rel: dict[str, str]) -> str:
    m = ["# lemmacheck report", "",
         f"profile **{meta['profile']}**, seed **{meta['seed']}**, commit {meta['commit']}, generated "
         f"{meta['generated']}, check time {meta['check_wall_s']:.1f} s"
         + (f", selection: {meta['selection']}" if meta.get("selection") else ""), ""]
    cnt = Counter(i["verdict"] for i in infos)
    m.append("**" + ", ".join(f"{v}: {cnt[v]}" for v in (*VERDICT_ORDER, "not run", "not registered") if cnt.get(v))
             + f"** ({len(infos)} statements)")
    mism = [i["id"] for i in infos if i["d"] and not i["d"].get("matches_expectation", True)]
    if mism:
        m.append(f"\n**Not as expected:** {', '.join(mism)}")
    m += ["", "## Verdicts", "",
          "| id | title | source | verdict | expected | examples | samples | worst z | margin | seed | time s | summary |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for i in infos:
        d = i["d"]
        ev = _evidence_cells(d)
        m.append(f"| {_md(i['id'])} | {_md(i['title'])} | {_md(i['source'])} L{_md(i['line'])} | **{_md(i['verdict'])}**"
                 f"{' (!)' if d and not d.get('matches_expectation', True) else ''} | {_md(i['expect'])} | "
                 + " | ".join(_md(c) for c in ev[:6]) + f" | {_md((d or {}).get('summary', ''))} |")
    errata = [i for i in infos if i["verdict"] in ("erratum", "refuted")]
    m += ["", f"## Errata ({len(errata)})", ""]
    for n, i in enumerate(errata, 1):
        d = i["d"]
        m += [f"{n}. **{i['id']}** ({i['source']} line {i['line']}, {i['verdict']}): {i['title']}",
              f"   - as printed: `{_md(d.get('printed') or i['title'])}`",
              f"   - counterexample: `{_md(_cex_text(d) or '-')}`",
              f"   - corrected: `{_md(d.get('corrected') or '-')}`"]
    conds = [i for i in infos if i["verdict"] == "conditional"]
    m += ["", f"## Conditional statements ({len(conds)})", ""]
    for i in conds:
        d = i["d"]
        m += [f"- **{i['id']}**: condition `{_md(d.get('condition'))}`; counterexample outside: "
              f"`{_md(_cex_text(d) or '-')}`"]
    m += ["", "## Experiments", ""]
    if experiments_res is None:
        m.append("not included (--no-experiments)")
    for e in experiments_res or []:
        m += [f"### {e['id']}: {e['title']}", "", f"_{e['source']}_", ""]
        if e.get("error"):
            m.append(f"**failed:** {e['error']}")
        for f in e["files"]:
            if f in img_rel:
                m.append(f"![{e['id']}]({img_rel[f]})")
        for t in published_tables(e["files"]):
            m += ["", f"**{t['title']}: ours vs published** ({t['note']})", "",
                  "| " + " | ".join(_md(c) for c in t["header"]) + " |",
                  "|" + "---|" * len(t["header"])]
            for r in t["rows"]:
                m.append("| " + " | ".join(("**" + _md(c) + "**") if fl else _md(c) for c, fl in r) + " |")
        if e.get("text"):
            m += ["", "```", e["text"].strip(), "```"]
        m.append("")
    m += ["## Coverage", ""]
    if cov and cov["rows"]:
        m.append(f"{cov['registered']}/{cov['rows']} catalog rows registered; {cov['real']} with a real check.")
        for title, key in (("chapter", "by_chapter"), ("kind", "by_kind")):
            m += ["", f"| {title} | rows | registered | real check |", "|---|---|---|---|"]
            m += [f"| {k} | {v['rows']} | {v['registered']} | {v['real']} |" for k, v in cov[key].items()]
        m += ["", "Rows without a registered check: "
              + (", ".join(r["id"] for r in cov["missing"]) if cov["missing"] else "none")]
        if cov["placeholder"]:
            m.append("Checkable rows whose check is inconclusive: " + ", ".join(r["id"] for r in cov["placeholder"]))
    else:
        m.append("catalog not found: coverage not computed")
    return "\n".join(m) + "\n"


# ----------------------------------------------------------------------------- driver
class _Progress:
    """rich progress bar (on a terminal) or plain lines on stderr (``verbose``)."""

    def __init__(self, total: int, enabled: bool = True):
        self.total, self.enabled = total, enabled
        self.prog = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)
            con = Console(stderr=True)
            self.prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=con, transient=False,
                                 disable=not con.is_terminal)
            self.task = self.prog.add_task("report", total=total)

    def __enter__(self):
        if self.prog:
            self.prog.__enter__()
        return self

    def __exit__(self, *a):
        if self.prog:
            self.prog.__exit__(*a)

    def __call__(self, what: str, msg: str):
        if not self.prog:
            return
        if what == "start":
            self.prog.update(self.task, description=f"{msg}")
        elif what == "note":
            self.prog.update(self.task, description=msg[:90])
        elif what == "done":
            self.prog.advance(self.task)


def build_report(out: Path, *, profile: str = "quick", seed: int = 0, chapter: str | None = None,
                 ids: list[str] | None = None, experiments: bool = True, results: Path | None = Path("results"),
                 rerun_experiments: bool = False, experiment_ids: list[str] | None = None,
                 from_json: Path | None = None, catalog: str | None = None, progress: bool = True,
                 jobs: int = 1) -> dict:
    """Run the checks (or read them from ``from_json``) and write report.html, report.md, report.json
    into ``out``.  Returns a summary dict (paths, counts, mismatches, coverage, timings)."""
    from . import experiments as exps
    from . import registry

    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    registry.load_all()
    cat = load_catalog(catalog)
    items = select_statements(cat, chapter, ids)
    sts = [s for _, s in items if s is not None]

    exp_ids: list[str] = []
    if experiments:
        exps.load_all()
        if experiment_ids:
            unknown = [e for e in experiment_ids if e not in exps.EXPERIMENTS]
            if unknown:
                raise ValueError(f"unknown experiment(s) {', '.join(unknown)}; known: {', '.join(exps.EXPERIMENTS)}")
            exp_ids = list(experiment_ids)
        elif ids:
            exp_ids = []
        else:
            exp_ids = [e for e in exps.EXPERIMENTS if chapter is None or _experiment_chapter(e) == str(chapter)]

    verdicts: dict[str, dict] = {}
    partial_path = out / "verdicts.jsonl"
    t0 = time.perf_counter()
    with _Progress(len(sts) * (0 if from_json else 1) + len(exp_ids), enabled=progress) as prog:
        exp_res = None
        if from_json:
            allv = read_verdicts_json(Path(from_json))
            verdicts = {s.id: allv[s.id] for s in sts if s.id in allv}
        else:
            with open(partial_path, "w") as fh:
                def keep(d):
                    fh.write(json.dumps(d) + "\n")
                    fh.flush()
                if jobs > 1:
                    verdicts, exp_res = run_parallel(sts, exp_ids, out, profile, seed, results, rerun_experiments,
                                                     jobs, progress=prog, on_result=keep)
                else:
                    verdicts = run_checks(sts, profile, seed, progress=prog, on_result=keep)
        check_wall = time.perf_counter() - t0
        if experiments and exp_res is None:
            exp_res = run_experiments(exp_ids, out, profile, seed, results, rerun_experiments, progress=prog)

    infos = [_row_info(r, s, verdicts.get(s.id) if s is not None else None) for r, s in items]
    cov = coverage(cat, verdicts if not (chapter or ids) else None) if cat else None
    sel = ", ".join(x for x in ([f"chapter {chapter}"] if chapter else []) + ([f"ids {','.join(ids)}"] if ids else []))
    meta = {"profile": profile, "seed": seed, "commit": _git_commit(),
            "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "check_wall_s": check_wall, "selection": sel, "from_json": str(from_json) if from_json else "",
            "catalog": str(catalog_path(catalog)) if cat else None, "python": sys.version.split()[0]}

    # images for the Markdown twin
    img_rel: dict[str, str] = {}
    if exp_res:
        (out / "img").mkdir(exist_ok=True)
        for e in exp_res:
            for f in e["files"]:
                p = Path(f)
                if p.suffix.lower() in (".png", ".svg", ".jpg", ".jpeg") and p.is_file():
                    dst = out / "img" / p.name
                    if p.resolve() != dst.resolve():
                        shutil.copyfile(p, dst)
                    img_rel[f] = f"img/{p.name}"
    meta["total_wall_s"] = time.perf_counter() - t_start
    html_text = render_html(infos, exp_res, cov, meta)
    (out / "report.html").write_text(html_text, encoding="utf-8")
    (out / "report.md").write_text(render_markdown(infos, exp_res, cov, meta, img_rel), encoding="utf-8")
    mism = [i["id"] for i in infos if i["d"] and not i["d"].get("matches_expectation", True)]
    summary = {"html": str(out / "report.html"), "markdown": str(out / "report.md"), "json": str(out / "report.json"),
               "statements": len(infos), "counts": dict(Counter(i["verdict"] for i in infos)),
               "mismatches": mism, "check_wall_s": check_wall, "total_wall_s": time.perf_counter() - t_start,
               "errata": [i["id"] for i in infos if i["verdict"] in ("erratum", "refuted")]}
    from .verdict import _jsonable
    (out / "report.json").write_text(json.dumps(_jsonable({
        "meta": meta, "summary": summary, "verdicts": [i["d"] for i in infos if i["d"]],
        "rows": [{k: v for k, v in i.items() if k != "d"} for i in infos],
        "coverage": {k: v for k, v in (cov or {}).items()},
        "experiments": exp_res}), indent=1), encoding="utf-8")
    return summary


def add_parser(sub):
    from .cli import _nonneg_int, _profile

    sp = sub.add_parser("report", help="write an HTML + Markdown report of every verdict, errata, experiments, "
                                       "coverage")
    sp.add_argument("--profile", type=_profile, default="quick", help="quick | ci | thorough")
    sp.add_argument("--seed", type=_nonneg_int, default=0, help="base seed (default 0)")
    sp.add_argument("--out", type=Path, default=Path("report"), help="output folder (default report/)")
    sp.add_argument("--chapter", type=str, default=None, help="only this chapter (2..7, essay, paper)")
    sp.add_argument("--ids", type=str, default=None, help="comma-separated statement ids or aliases")
    sp.add_argument("--experiments", action=argparse.BooleanOptionalAction, default=True,
                    help="include the experiments' figures (default: yes)")
    sp.add_argument("--experiment-ids", type=str, default=None, help="comma-separated experiment ids only")
    sp.add_argument("--results", type=Path, default=Path("results"),
                    help="folder with experiment outputs to embed instead of rerunning (default results/)")
    sp.add_argument("--rerun-experiments", action="store_true", help="run experiments even if results exist")
    sp.add_argument("--from-json", type=Path, default=None,
                    help="read verdicts from `python -m verify all --json` output instead of running checks")
    sp.add_argument("--catalog", type=str, default=None, help="catalog CSV (default $LEMMACHECK_CATALOG or "
                                                              "../shared/catalog/statements.csv)")
    sp.add_argument("--jobs", "-j", type=_nonneg_int, default=1,
                    help="run the checks in N worker processes (default 1; 2 on a 2-core machine)")
    sp.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args) -> int:
    from .cli import EXIT_MISMATCH, EXIT_OK, UsageError
    from . import registry

    ids = [s.strip() for s in args.ids.split(",") if s.strip()] if args.ids else None
    chapter = args.chapter.strip().lower() if args.chapter else None
    if chapter is not None:
        known = set(registry.chapters()) | {r.get("chapter", "").lower() for r in load_catalog(args.catalog)}
        if chapter not in known:
            raise UsageError(f"unknown chapter {args.chapter!r}; chapters: {', '.join(sorted(known - {''}))}")
    if args.from_json is not None and not args.from_json.is_file():
        raise UsageError(f"--from-json: no such file {args.from_json}")
    try:
        summ = build_report(args.out, profile=args.profile, seed=args.seed, chapter=chapter, ids=ids,
                            experiments=args.experiments, results=args.results,
                            rerun_experiments=args.rerun_experiments,
                            experiment_ids=[s.strip() for s in args.experiment_ids.split(",")]
                            if args.experiment_ids else None,
                            from_json=args.from_json, catalog=args.catalog, progress=not args.json,
                            jobs=max(1, args.jobs))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(summ))
    else:
        from rich.console import Console
        con = Console()
        con.print(f"report: {summ['html']}  (markdown: {summ['markdown']}, json: {summ['json']})")
        con.print(f"{summ['statements']} statements: " + ", ".join(f"{k} {v}" for k, v in sorted(summ['counts'].items()))
                  + f"; errata {len(summ['errata'])}; check time {summ['check_wall_s']:.1f}s, "
                  f"total {summ['total_wall_s']:.1f}s"
                  + (f"; NOT as expected: {', '.join(summ['mismatches'])}" if summ["mismatches"] else ""))
    return EXIT_MISMATCH if summ["mismatches"] else EXIT_OK


def _register():
    from .cli import register_command
    register_command("report", add_parser, run)


_register()
