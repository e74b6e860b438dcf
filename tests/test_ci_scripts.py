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
