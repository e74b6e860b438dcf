"""`python -m verify new-statement`: the templates compile, register, run (as an honest placeholder)
and never touch the real statement modules (everything goes to tmp_path here)."""
from __future__ import annotations

import importlib.util
import sys

import pytest

from verify import registry, report, scaffold
from verify.cli import main

registry.load_all()
NEW_ID = "lemma-99.7"


def _import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def clean_registry():
    yield
    for sid in [s for s, st in registry.REGISTRY.items() if st.module.startswith("scaffold_tmp_")]:
        st = registry.REGISTRY.pop(sid)
        for a in st.aliases:
            registry.ALIASES.pop(a, None)
    for name in [m for m in sys.modules if m.startswith("scaffold_tmp_")]:
        del sys.modules[name]


def test_print_mode_writes_nothing(tmp_path, capsys):
    mod, tf = tmp_path / "ch99.py", tmp_path / "test_mutants_ch99.py"
    rc = main(["new-statement", NEW_ID, "--chapter", "99", "--title", "a new lemma", "--line", "12",
               "--module", str(mod), "--test-file", str(tf), "--properties-dir", str(tmp_path / "props")])
    out = capsys.readouterr().out
    assert rc == 0
    assert f'@statement({NEW_ID!r}, source=\'thesis\', line=12, title=\'a new lemma\'' in out
    assert "def test_mutant_lemma_99_7" in out
    assert 'ids(chapter=\'99\')' in out  # no properties file covers chapter 99 yet
    assert not mod.exists() and not tf.exists()


def test_append_new_module_registers_and_runs(tmp_path, clean_registry):
    mod, tf, props = tmp_path / "scaffold_tmp_ch99.py", tmp_path / "test_mutants_ch99.py", tmp_path / "props"
    res = scaffold.scaffold(NEW_ID, chapter="99", title="a new lemma", line=12, append=True, module=mod,
                            test_file=tf, properties_dir=props, analytic="analytic.errors:require")
    assert set(res["written"]) == {str(mod), str(tf), str(props / "test_ch99.py")}
    for p in res["written"]:
        compile(open(p).read(), p, "exec")  # valid Python
    _import_file(mod, "scaffold_tmp_ch99")
    st = registry.get(NEW_ID)
    assert (st.chapter, st.line, st.title, st.expect) == ("99", 12, "a new lemma", "inconclusive")
    v = st.run("quick")
    assert v.verdict == "inconclusive" == v.expect and "not implemented yet" in v.summary
    text = tf.read_text()
    assert "with mutated(_mod_errors, 'require', _wrong_lemma_99_7):" in text
    assert "assert_caught('lemma-99.7')" in text


def test_append_to_existing_module_adds_missing_imports_and_unique_names(tmp_path, clean_registry):
    mod = tmp_path / "scaffold_tmp_ch98.py"
    mod.write_text('"""existing module"""\nimport math\n\n\ndef lemma_98_1():\n    return math.pi\n')
    props = tmp_path / "props"
    props.mkdir()
    (props / "test_existing.py").write_text("ids(chapter=\"98\")\n")
    res = scaffold.scaffold("lemma-98.1", chapter="98", append=True, module=mod, test_file=tmp_path / "t.py",
                            properties_dir=props)
    assert res["property"] is None  # chapter already has a properties file
    text = mod.read_text()
    assert "from verify import checks  # noqa: E402" in text and "def lemma_98_1_2(ctx):" in text
    m = _import_file(mod, "scaffold_tmp_ch98")
    assert m.lemma_98_1() == pytest.approx(3.141592653589793)
    assert registry.get("lemma-98.1").run("quick").verdict == "inconclusive"


def test_catalog_row_fills_title_line_aliases(tmp_path):
    cat = report.load_catalog()
    row = next((r for r in cat if "paper:" in r.get("aliases", "") or "essay:" in r.get("aliases", "")), None)
    if row is None:
        pytest.skip("catalog not found")
    res = scaffold.scaffold(row["id"], check_registry=False, module=tmp_path / "m.py", test_file=tmp_path / "t.py",
                            properties_dir=tmp_path)
    assert f"line={int(row['line'])}" in res["entry"] and repr(row["title"]) in res["entry"]
    assert res["in_catalog"]


def test_refuses_registered_id_and_bad_id(capsys):
    sid = registry.all_statements()[0].id
    assert main(["new-statement", sid]) == 2
    assert "already registered" in capsys.readouterr().err
    assert main(["new-statement", "9 bad id"]) == 2
    assert "must look like" in capsys.readouterr().err
