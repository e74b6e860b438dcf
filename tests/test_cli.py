"""CLI behaviour: exit codes, one-line errors (never a traceback), suggestions, JSON output."""
import json
import os
import subprocess
import sys

import pytest

from verify.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, timeout=600):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


@pytest.mark.parametrize("args,needle", [
    (["lemma", "5.99"], "did you mean"),
    (["check", "thm-5.l"], "did you mean"),
    (["all", "--profile", "fast"], "unknown profile"),
    (["check", "thm-5.1", "--seed", "-3"], "non-negative"),
    (["list", "--chapter", "42"], "no statements registered for chapter"),
    (["experiment", "tabel-5.1"], "unknown experiment"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2_without_traceback(args, needle, capsys):
    rc = main(args)
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_list_json(capsys):
    assert main(["list", "--chapter", "5", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    ids = {r["id"] for r in rows}
    assert {"thm-5.1", "lemma-5.2"} <= ids
    assert all(r["chapter"] == "5" for r in rows)


def test_check_json_reports_evidence_and_exit_code():
    r = run_cli("check", "paper:thm-3.1", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["id"] == "thm-5.1" and d["verdict"] == "erratum" and d["matches_expectation"]
    ev = d["evidence"]
    for k in ("examples", "samples", "worst_z", "tolerance", "seed", "wall_s"):
        assert k in ev
    assert d["printed"] and d["corrected"] and d["counterexample"]["replay"].startswith("python -m verify check")


def test_lemma_shorthand_human_output():
    r = run_cli("lemma", "5.3")
    assert r.returncode == 0, r.stderr
    assert "lemma-5.3" in r.stdout and "verified" in r.stdout
