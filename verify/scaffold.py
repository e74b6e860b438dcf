"""``python -m verify new-statement ID``: scaffold a statement's module entry and its mutant test.

By default the templates are printed.  ``--append`` appends the entry to the chapter's statement
module (``verify/statements/<ch>.py``, or ``--module PATH``) and the mutant test to
``tests/test_mutants_<ch>.py`` (or ``--test-file PATH``); a chapter without a properties file also
gets ``properties/test_<ch>.py`` (the one-line parametrized property).  Title, source line, aliases
and the catalog's suggested check are taken from the catalog row when the id is in it.

The scaffolded check returns ``inconclusive`` with ``expect="inconclusive"`` (a placeholder that can
never be mistaken for a verified statement; tests/test_coverage.py lists it until it is replaced).
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _chapter_for(sid: str, row: dict | None) -> str:
    if row and row.get("chapter"):
        ch = row["chapter"].lower()
        return "5" if ch == "paper" else ch
    from .registry import _chapter_of
    return _chapter_of(sid)


def module_name(chapter: str) -> str:
    return "essay" if chapter == "essay" else f"ch{chapter}"


def func_name(sid: str) -> str:
    n = re.sub(r"\W+", "_", sid).strip("_").lower()
    return n if n and not n[0].isdigit() else f"s_{n}"


def _source(sid: str) -> str:
    return sid.split(":")[0] if sid.startswith(("paper:", "essay:")) else "thesis"


def _pyrepr(s: str) -> str:
    return repr(s)


def entry_template(sid: str, *, title: str = "", line: int | None = None, aliases=(), check_hint: str = "",
                   kind: str = "", chapter: str | None = None, fname: str | None = None) -> str:
    fname = fname or func_name(sid)
    hint = "\n".join(textwrap.wrap(check_hint, 92, initial_indent="    Catalog: ", subsequent_indent="      ")) \
        if check_hint else "    Catalog: (no suggested check)"
    args = [_pyrepr(sid), f"source={_pyrepr(_source(sid))}", f"line={line if line is not None else 'None'}",
            f"title={_pyrepr(title or sid)}"]
    if aliases:
        args.append(f"aliases={tuple(aliases)!r}")
    if kind:
        args.append(f"kind={_pyrepr(kind)}")
    args.append('expect="inconclusive"')
    return f'''

@statement({", ".join(args)})
def {fname}(ctx):
    """{title or sid}  ({_source(sid)} line {line if line is not None else '?'})

{hint}

    TODO: replace the body by a real check, then set expect= to the verdict it should get:
      identity        checks.exact_check(ctx, params=STRATEGY, lhs=lambda p: ..., rhs=lambda p: ..., n_ops=16)
      Monte Carlo     checks.mc_check(ctx, params=STRATEGY, sample=lambda key, p: ..., expected=lambda p: ...)
      inequality      checks.inequality_check(ctx, params=STRATEGY, margin=lambda p: RHS - LHS)
      general         checks.predicate_check(ctx, params=STRATEGY, body=lambda p: Outcome(ok, score, info), what=...)
      wrong as printed    checks.erratum(printed_v, corrected_v, printed_text=..., corrected_text=...)
      implicit condition  checks.conditional(inside_v, outside_v, condition="eta <= 1/L")
    Call analytic functions through their module (``mod.fn(...)``) so the mutant test can patch them;
    scale sizes with ctx.profile (``ctx.profile.n()``, ``.examples()``, ``.sized(base)``).
    """
    return checks.inconclusive("not implemented yet (scaffolded by `python -m verify new-statement {sid}`)")
'''


def mutant_template(sid: str, analytic: str | None = None) -> str:
    tname = func_name(sid)
    if analytic:
        mod, _, fn = analytic.partition(":")
        if not fn:
            mod, _, fn = analytic.rpartition(".")
        alias = "_mod_" + re.sub(r"\W", "_", mod.split(".")[-1])
        return f'''

import {mod} as {alias}  # noqa: E402
from verify.testing import assert_caught, mutated  # noqa: E402

_orig_{tname} = {alias}.{fn}


def _wrong_{tname}(*args, **kwargs):
    # TODO: a plausible mistake in the formula (dropped 2*pi, flipped sign, off-by-one constant)
    return 2.0 * _orig_{tname}(*args, **kwargs)


def test_mutant_{tname}():
    """A wrong {fn} must make {sid} report refuted."""
    with mutated({alias}, {fn!r}, _wrong_{tname}):
        assert_caught({sid!r})
'''
    return f'''

import pytest  # noqa: E402
from verify.testing import assert_caught, mutated  # noqa: E402


@pytest.mark.skip(reason="TODO: scaffolded; patch the analytic function {sid} uses with a wrong formula")
def test_mutant_{tname}():
    """A deliberately wrong closed form must make {sid} report refuted."""
    import analytic.MODULE as mod  # TODO
    with mutated(mod, "FUNCTION", lambda *a, **k: 2.0 * 0):  # TODO: plausible mistake
        assert_caught({sid!r})
'''


def property_template(chapter: str) -> str:
    return f'''import pytest

from verify.testing import assert_expected, ids


@pytest.mark.parametrize("sid", ids(chapter={chapter!r}))
def test_statement(sid):
    assert_expected(sid)
'''


MODULE_HEADER = '''"""Statements of chapter {chapter} (scaffolded by `python -m verify new-statement`)."""
from __future__ import annotations

from verify import checks
from verify.registry import statement
'''


def _has_property_file(props: Path, chapter: str) -> bool:
    if not props.is_dir():
        return False
    pat = re.compile(r"ids\(\s*chapter\s*=\s*['\"]" + re.escape(chapter) + r"['\"]")
    return any(pat.search(p.read_text()) for p in props.glob("test_*.py"))


def scaffold(sid: str, *, chapter: str | None = None, title: str | None = None, line: int | None = None,
             analytic: str | None = None, append: bool = False, module: Path | None = None,
             test_file: Path | None = None, properties_dir: Path | None = None, catalog: str | None = None,
             check_registry: bool = True) -> dict:
    """Build the templates for ``sid`` (and write them with ``append``).  Returns a dict with the texts
    and the paths written."""
    from . import report

    row = next((r for r in report.load_catalog(catalog) if r["id"] == sid), None)
    if check_registry:
        from . import registry
        registry.load_all()
        if sid in registry.REGISTRY or sid in registry.ALIASES:
            st = registry.get(sid)
            raise ValueError(f"{sid!r} is already registered (in {st.module}, as {st.id})")
    ch = (chapter or _chapter_for(sid, row)).lower()
    title = title or (row or {}).get("title", "") or ""
    if line is None and row and row.get("line", "").isdigit():
        line = int(row["line"])
    aliases = []
    if row:
        cat_ids = {r["id"] for r in report.load_catalog(catalog)}
        aliases = [a for a in report.alias_names(row) if a.startswith(("paper:", "essay:")) and a not in cat_ids]
    module = Path(module) if module else REPO / "verify" / "statements" / f"{module_name(ch)}.py"
    test_file = Path(test_file) if test_file else REPO / "tests" / f"test_mutants_{module_name(ch)}.py"
    properties_dir = Path(properties_dir) if properties_dir else REPO / "properties"

    fname = func_name(sid)
    existing = module.read_text() if module.exists() else ""
    k = 2
    while re.search(rf"^def {re.escape(fname)}\(", existing, re.M):
        fname = f"{func_name(sid)}_{k}"
        k += 1
    entry = entry_template(sid, title=title, line=line, aliases=aliases, check_hint=(row or {}).get("check", ""),
                           kind=(row or {}).get("kind", ""), chapter=ch, fname=fname)
    mutant = mutant_template(sid, analytic)
    prop = None if _has_property_file(properties_dir, ch) else property_template(ch)
    prop_path = properties_dir / f"test_{module_name(ch)}.py"
    written = []
    if append:
        if not existing:
            existing = MODULE_HEADER.format(chapter=ch)
            module.parent.mkdir(parents=True, exist_ok=True)
            module.write_text(existing)
        add = ""
        if not re.search(r"^from verify import .*\bchecks\b", existing, re.M):
            add += "from verify import checks  # noqa: E402\n"
        if not re.search(r"^from verify\.registry import .*\bstatement\b", existing, re.M):
            add += "from verify.registry import statement  # noqa: E402\n"
        with open(module, "a") as f:
            f.write(("\n" + add if add else "") + entry)
        written.append(str(module))
        test_file.parent.mkdir(parents=True, exist_ok=True)
        if not test_file.exists():
            test_file.write_text(f'"""Mutant tests for chapter {ch}: a wrong formula must be reported refuted."""\n')
        with open(test_file, "a") as f:
            f.write(mutant)
        written.append(str(test_file))
        if prop is not None:
            prop_path.parent.mkdir(parents=True, exist_ok=True)
            if not prop_path.exists():
                prop_path.write_text(prop)
                written.append(str(prop_path))
    return {"id": sid, "chapter": ch, "module": str(module), "test_file": str(test_file), "entry": entry,
            "mutant": mutant, "property": prop, "property_path": str(prop_path), "written": written,
            "in_catalog": row is not None}


def add_parser(sub):
    sp = sub.add_parser("new-statement", help="scaffold a statement's module entry and mutant test")
    sp.add_argument("id", help="statement id as in the catalog (lemma-5.2, paper:thm-3.1, essay:...)")
    sp.add_argument("--chapter", help="chapter (default: from the catalog or the id)")
    sp.add_argument("--title", help="title (default: from the catalog)")
    sp.add_argument("--line", type=int, help="source line (default: from the catalog)")
    sp.add_argument("--analytic", help="analytic function the check uses, e.g. analytic.cnn:population_loss "
                                       "(the mutant test patches it)")
    sp.add_argument("--append", action="store_true", help="append to the module and the mutant test file "
                                                          "(default: print)")
    sp.add_argument("--module", type=Path, help="statement module to append to (default verify/statements/<ch>.py)")
    sp.add_argument("--test-file", type=Path, help="mutant test file (default tests/test_mutants_<ch>.py)")
    sp.add_argument("--properties-dir", type=Path, help="properties folder (default properties/)")
    sp.add_argument("--catalog", help="catalog CSV (default $LEMMACHECK_CATALOG or ../shared/catalog)")


def run(args) -> int:
    from .cli import EXIT_OK, UsageError

    if not re.fullmatch(r"[A-Za-z][\w.:-]*", args.id):
        raise UsageError(f"statement id must look like lemma-5.2 or paper:thm-3.1, got {args.id!r}")
    try:
        res = scaffold(args.id, chapter=args.chapter, title=args.title, line=args.line, analytic=args.analytic,
                       append=args.append, module=args.module, test_file=args.test_file,
                       properties_dir=args.properties_dir, catalog=args.catalog)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.append:
        for w in res["written"]:
            print(f"appended to {w}")
        print(f"next: fill in the check, set expect=, then `python -m verify check {args.id}` and "
              f"`pytest {res['test_file']}`")
    else:
        print(f"# ---- append to {res['module']}{'' if res['in_catalog'] else '  (id not in the catalog!)'}")
        print(res["entry"])
        print(f"# ---- append to {res['test_file']}")
        print(res["mutant"])
        if res["property"]:
            print(f"# ---- new file {res['property_path']} (no properties file covers chapter {res['chapter']})")
            print(res["property"])
        else:
            print(f"# properties: nothing to add (a properties/ file is parametrized over chapter {res['chapter']})")
    return EXIT_OK


def _register():
    from .cli import register_command
    register_command("new-statement", add_parser, run)


_register()
