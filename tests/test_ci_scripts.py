"""The CI runs the README quick start verbatim: ci/quickstart.py must find exactly its two commands."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_quickstart_commands_are_read_from_the_readme():
    out = subprocess.run([sys.executable, str(ROOT / "ci" / "quickstart.py")], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(out) == 2
    main, tests = out
    assert "python3 -m venv .venv" in main and "-m verify all --profile quick" in main
    assert "-m pytest" in tests and "properties" in tests and "tests" in tests
    assert all(line in (ROOT / "README.md").read_text() for line in out)
    assert "quickstart.py" in (ROOT / "ci" / "run_tests.sh").read_text()


def test_mutation_filter_skips_only_the_named_equivalent_operators():
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_filter", ROOT / "ci" / "mutation_filter.py")
    mf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mf)
    line = "    small = a <= 0.5  # equivalent-mutant: ReplaceComparisonOperator_LtE_Lt (same value at 1/2)\n"
    assert mf.skip_reason(line, "core/ReplaceComparisonOperator_LtE_Lt") == "equivalent-mutant"
    assert mf.skip_reason(line, "core/ReplaceComparisonOperator_LtE_Gt") is None  # a killable mutant still counts
    assert mf.skip_reason(line, "core/NumberReplacer") is None
    two = "x: float | None = None  # equivalent-mutant: ReplaceBinaryOperator_BitOr_, NumberReplacer (why)\n"
    assert mf.skip_reason(two, "core/ReplaceBinaryOperator_BitOr_Add") == "equivalent-mutant"
    assert mf.skip_reason(two, "core/NumberReplacer") == "equivalent-mutant"
    assert mf.skip_reason("_CHUNK = 32  # pragma: no mutate (a chunk length)\n", "core/NumberReplacer") == "pragma"
    assert mf.skip_reason("y = 2 * j + 1\n", "core/ReplaceBinaryOperator_Add_BitOr") is None
