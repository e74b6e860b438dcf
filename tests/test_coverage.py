"""Catalog coverage: every row of ../shared/catalog/statements.csv is registered (by id or alias),
and every checkable row has a real check (its registered expectation is not a bare ``inconclusive``),
except the allow-listed rows below, each with the reason it cannot be decided here.

The catalog is found as in ``verify.report.catalog_path`` ($LEMMACHECK_CATALOG, else
<repo>/../shared/catalog/statements.csv); without it these tests skip with that reason.
"""
from __future__ import annotations

import pytest

from verify import registry, report

CATALOG = report.load_catalog()
_NO_CATALOG = "catalog not found (set LEMMACHECK_CATALOG to statements.csv)"

# checkable yes/partial rows whose check honestly returns `inconclusive`, and why.  A `yes` row may
# never be here without a very good reason; shrinking this list is progress.
ALLOWED_INCONCLUSIVE = {
    "lemma-2.4": "premise R' < R needs astronomically many neurons with the explicit constant; vacuous below",
    "remark-3.7": "upper-bound statement on sufficient widths: measured errors are reported, nothing to falsify",
    "thm-6.4": "eta and T given only up to O(.) constants and 'eps sufficiently small'",
    "lemma-6.2": "the conditions force eta so small that the event is unobservable in feasible simulations",
    "lemma-6.3": "the last premise is OCR-garbled (eps vs eps^2); the conclusion depends on which",
    "fig-6.4": "needs MNIST (not available); experiment fig-6.4 uses synthetic images instead",
    "thm-7.2": "O() statement with unspecified constants (Jin et al.); PGD iterations reported",
    "essay:nguyen-hein-cor3.9": "vacuous for H >= k+2 (hypothesis 4 cannot hold at a zero-loss point)",
    "essay:degenerate-minima-conjecture": "an open conjecture: needs a certified degenerate local minimum",
    "essay:fig-1": "needs CIFAR-10 and GPU training of Conv-small",
}


def _rows(pred=lambda r: True):
    return [pytest.param(r, id=r["id"]) for r in CATALOG if pred(r)] or [
        pytest.param(None, marks=pytest.mark.skip(reason=_NO_CATALOG))]


@pytest.mark.parametrize("row", _rows())
def test_catalog_row_is_registered(row):
    sid = report.registered_id(row)
    assert sid is not None, (f"catalog row {row['id']} (chapter {row['chapter']}, line {row['line']}) has no "
                             f"registered check: add @statement({row['id']!r}, line={row['line']}) "
                             f"(python -m verify new-statement {row['id']})")
    st = registry.REGISTRY[sid]
    if row.get("line", "").isdigit() and st.line is not None:
        assert int(row["line"]) == st.line, f"{sid}: registered line {st.line}, catalog line {row['line']}"


@pytest.mark.parametrize("row", _rows(lambda r: r.get("checkable") in ("yes", "partial")))
def test_checkable_row_has_a_real_check(row):
    sid = report.registered_id(row)
    if sid is None:
        pytest.skip("not registered (reported by test_catalog_row_is_registered)")
    st = registry.REGISTRY[sid]
    if row["id"] in ALLOWED_INCONCLUSIVE:
        return  # reason recorded above; test_allow_list_is_current keeps the list honest
    assert st.expect != "inconclusive", (
        f"{sid} is checkable={row['checkable']} in the catalog but its registered expectation is a bare "
        f"'inconclusive': implement a real check, or add it to ALLOWED_INCONCLUSIVE with the reason")


def test_allow_list_is_current():
    """An allow-listed row that now has a real check should leave the list (so the list stays honest)."""
    if not CATALOG:
        pytest.skip(_NO_CATALOG)
    by_id = {r["id"]: r for r in CATALOG}
    stale = []
    for cid in ALLOWED_INCONCLUSIVE:
        if cid not in by_id:
            stale.append(f"{cid} (not in the catalog)")
            continue
        sid = report.registered_id(by_id[cid])
        if sid is not None and registry.REGISTRY[sid].expect != "inconclusive":
            stale.append(f"{cid} (now expects {registry.REGISTRY[sid].expect})")
    assert not stale, f"remove from ALLOWED_INCONCLUSIVE: {', '.join(stale)}"


def test_no_registered_statement_outside_the_catalog():
    if not CATALOG:
        pytest.skip(_NO_CATALOG)
    cov = report.coverage(CATALOG)
    assert cov["registered_not_in_catalog"] == [], (
        "registered ids that are not catalog rows (typo in an id?): " + ", ".join(cov["registered_not_in_catalog"]))


def test_coverage_summary_consistent():
    if not CATALOG:
        pytest.skip(_NO_CATALOG)
    cov = report.coverage(CATALOG)
    assert cov["rows"] == len(CATALOG)
    assert sum(v["rows"] for v in cov["by_chapter"].values()) == cov["rows"]
    assert sum(v["rows"] for v in cov["by_kind"].values()) == cov["rows"]
    assert cov["registered"] == cov["rows"] - len(cov["missing"])


def test_catalog_missing_degrades_gracefully(tmp_path, monkeypatch):
    monkeypatch.setenv("LEMMACHECK_CATALOG", str(tmp_path / "nope.csv"))
    monkeypatch.setattr(report, "REPO", tmp_path / "repo")
    assert report.catalog_path() is None and report.load_catalog() == []
    items = report.select_statements([], chapter=None, ids=None)
    assert len(items) == len(registry.REGISTRY)  # the registry alone is listed


def test_every_chapter_has_a_properties_file():
    """Each registered chapter is asserted by some properties/test_*.py (ids(chapter=...)), so no
    registered statement escapes `pytest properties/`."""
    import re
    from pathlib import Path

    props = Path(__file__).resolve().parents[1] / "properties"
    covered = set()
    for p in props.glob("test_*.py"):
        covered |= set(re.findall(r"ids\(\s*chapter\s*=\s*['\"]([^'\"]+)['\"]", p.read_text()))
    missing = [c for c in registry.chapters() if c not in covered]
    assert not missing, f"no properties file runs chapter(s) {missing}: add properties/test_<chapter>.py"
