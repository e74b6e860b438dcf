"""Command line: ``python -m verify {list,lemma,check,all,experiment,bench,...}``.

Exit codes: 0 when every verdict matches what the registry expects, 1 otherwise, 2 for usage
errors (unknown id, bad option): one line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise UsageError(message)


def _nonneg_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {s!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {v}")
    return v


def _profile(s: str) -> str:
    from .profiles import PROFILES
    if s not in PROFILES:
        raise argparse.ArgumentTypeError(f"unknown profile {s!r}; choose one of: {', '.join(PROFILES)}")
    return s


def _chapter(s: str) -> str:
    from . import registry
    ch = s.strip().lower()
    known = registry.chapters()
    if ch not in known:
        raise argparse.ArgumentTypeError(f"no statements registered for chapter {s!r}; chapters: {', '.join(known)}")
    return ch


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m verify", description="lemmacheck: executable checks of gradient-descent theory")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=_Parser)

    def common(sp, profile=True):
        sp.add_argument("--seed", type=_nonneg_int, default=0, help="base seed (default 0)")
        if profile:
            sp.add_argument("--profile", type=_profile, default="quick", help="quick | ci | thorough")
        sp.add_argument("--json", action="store_true", help="one JSON object per check on stdout")

    sp = sub.add_parser("list", help="list registered statements")
    sp.add_argument("--chapter", type=_chapter)
    sp.add_argument("--json", action="store_true")

    sp = sub.add_parser("lemma", help="run lemma N of the thesis (lemma 5.2 -> lemma-5.2)")
    sp.add_argument("number")
    common(sp)
    sp = sub.add_parser("check", help="run one statement by id or alias (thm-5.1, paper:thm-3.1)")
    sp.add_argument("id")
    common(sp)
    sp = sub.add_parser("all", help="run every registered check (or one chapter)")
    sp.add_argument("--chapter", type=_chapter)
    common(sp)
    sp = sub.add_parser("experiment", help="reproduce a table or figure (writes CSV + PNG)")
    sp.add_argument("id", nargs="?")
    sp.add_argument("--out", type=Path, default=Path("results"))
    sp.add_argument("--full", action="store_true", help="full-size run (slow)")
    common(sp)
    sp = sub.add_parser("bench", help="speed benchmarks of the engine")
    sp.add_argument("which", nargs="*", help="benchmark names (default: all)")
    sp.add_argument("--json", action="store_true")
    for name, (add_parser, _run) in _EXTRA_COMMANDS.items():
        add_parser(sub)
    return p


_EXTRA_COMMANDS: dict = {}


def register_command(name: str, add_parser, run):
    """Hook for optional commands (report, new-statement): ``add_parser(subparsers)``, ``run(args)``."""
    _EXTRA_COMMANDS[name] = (add_parser, run)


def _console(json_mode: bool):
    from .verdict import make_console
    return make_console(stderr=json_mode)


def _run_many(sts, args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from .verdict import render_table

    con = _console(args.json)
    verdicts = []
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=con, transient=True, disable=not con.is_terminal and not args.json) as prog:
        task = prog.add_task("checking", total=len(sts))
        for s in sts:
            prog.update(task, description=f"checking {s.id}")
            v = s.run(args.profile, seed=args.seed,
                      progress=lambda m, s=s: prog.update(task, description=f"{s.id}: {m}"))
            verdicts.append(v)
            if args.json:
                print(v.to_json(), flush=True)
            prog.advance(task)
    if not args.json:
        render_table(verdicts, console=con, title=f"lemmacheck ({args.profile} profile, seed {args.seed})")
    bad = [v for v in verdicts if not v.ok]
    counts = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    msg = (f"{len(verdicts)} checks in {time.perf_counter() - t0:.1f}s: "
           + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
           + (f"; {len(bad)} NOT as expected: {', '.join(v.id for v in bad)}" if bad else "; all as expected"))
    con.print(msg)
    return EXIT_MISMATCH if bad else EXIT_OK


def _run_one(sid: str, args) -> int:
    from . import registry
    from .verdict import render_detail

    st = registry.get(sid)
    con = _console(args.json)
    with con.status(f"checking {st.id} ({args.profile} profile)...", spinner="dots") as status:
        v = st.run(args.profile, seed=args.seed, progress=lambda m: status.update(f"{st.id}: {m}"))
    if args.json:
        print(v.to_json())
    else:
        render_detail(v, console=con)
    return EXIT_OK if v.ok else EXIT_MISMATCH


def _cmd_list(args) -> int:
    from . import registry

    sts = registry.all_statements(args.chapter)
    if args.json:
        for s in sts:
            print(json.dumps({"id": s.id, "aliases": list(s.aliases), "chapter": s.chapter, "title": s.title,
                              "source": s.source, "line": s.line, "expect": s.expect, "kind": s.kind}))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(sts)} registered statements" + (f" (chapter {args.chapter})" if args.chapter else ""))
    for c in ("id", "aliases", "expect", "line", "title"):
        t.add_column(c, overflow="fold")
    for s in sts:
        t.add_row(s.id, ", ".join(s.aliases), s.expect, str(s.line or ""), s.title)
    Console().print(t)
    return EXIT_OK


def _cmd_experiment(args) -> int:
    from . import experiments
    from .profiles import get_profile

    experiments.load_all()
    if not args.id:
        for e in experiments.EXPERIMENTS.values():
            print(f"{e.id:12s} {e.title}")
        return EXIT_OK
    if args.id not in experiments.EXPERIMENTS:
        sugg = difflib.get_close_matches(args.id, list(experiments.EXPERIMENTS), n=5, cutoff=0.4)
        raise UsageError(f"unknown experiment {args.id!r}" + (f"; did you mean: {', '.join(sugg)}?" if sugg else
                         f"; known: {', '.join(experiments.EXPERIMENTS)}"))
    e = experiments.EXPERIMENTS[args.id]
    args.out.mkdir(parents=True, exist_ok=True)
    con = _console(args.json)
    prof = get_profile(args.profile)
    t0 = time.perf_counter()
    with con.status(f"running {e.id}...", spinner="dots") as status:
        summary = e.fn(args.out, prof, args.seed, lambda m: status.update(f"{e.id}: {m}"), full=args.full)
    summary = dict(summary or {})
    summary.setdefault("wall_s", time.perf_counter() - t0)
    if args.json:
        from .verdict import _jsonable
        print(json.dumps(_jsonable({"id": e.id, **summary})))
    else:
        text = summary.pop("text", None)
        if text:
            con.print(text)
        for k, v in summary.items():
            con.print(f"{k}: {v}")
    return EXIT_OK


def _cmd_bench(args) -> int:
    from . import bench
    return bench.main(args.which, as_json=args.json)


def main(argv: list[str] | None = None) -> int:
    from . import registry

    try:
        _load_extras()
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.cmd is None:
            parser.print_help()
            return EXIT_USAGE
        if args.cmd == "list":
            return _cmd_list(args)
        if args.cmd == "lemma":
            num = args.number.strip()
            sid = num if num.startswith(("lemma-", "paper:")) else f"lemma-{num}"
            return _run_one(sid, args)
        if args.cmd == "check":
            return _run_one(args.id, args)
        if args.cmd == "all":
            return _run_many(registry.all_statements(args.chapter), args)
        if args.cmd == "experiment":
            return _cmd_experiment(args)
        if args.cmd == "bench":
            return _cmd_bench(args)
        if args.cmd in _EXTRA_COMMANDS:
            return _EXTRA_COMMANDS[args.cmd][1](args)
        raise UsageError(f"unknown command {args.cmd!r}")
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except registry.UnknownStatement as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except registry.InvalidParameter as exc:
        print(f"error: invalid parameter: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _load_extras():
    """Optional command modules (report, scaffold) register themselves when present."""
    import importlib
    for mod in ("verify.report", "verify.scaffold", "verify.calibrate"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
