"""`python -m verify report`: the HTML page (verdict table, errata, embedded figures, published numbers
side by side, coverage), its Markdown twin, the CLI, and a render in headless Chromium.

Most tests build the report from prepared verdicts (``--from-json``) and a prepared results folder so
they take a second; one runs two cheap real checks end to end.
"""
from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from verify import registry, report
from verify.cli import main

registry.load_all()


def _png(path: Path, w: int = 24, h: int = 16):
    """A tiny valid RGB PNG (no matplotlib needed)."""
    raw = b"".join(b"\x00" + b"".join(bytes((x * 10 % 256, y * 15 % 256, 120)) for x in range(w)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _verdict(sid: str, verdict: str, **kw) -> dict:
    st = registry.get(sid)
    d = {"id": st.id, "title": st.title, "source": st.source, "line": st.line, "verdict": verdict,
         "expect": st.expect, "matches_expectation": verdict == st.expect, "summary": kw.pop("summary", "synthetic"),
         "evidence": {"examples": 7, "samples": 131072, "worst_z": 1.25, "worst_margin": None,
                      "tolerance": "|est-exp| <= z*se", "seed": 3, "wall_s": 0.5, "extra": {}},
         "counterexample": None, "printed": None, "corrected": None, "condition": None}
    d.update(kw)
    return d


def _pick(expect: str) -> str:
    for s in registry.all_statements():
        if s.expect == expect:
            return s.id
    pytest.skip(f"no statement registered with expect={expect}")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    err, cond, ver = _pick("erratum"), _pick("conditional"), _pick("verified")
    vs = [_verdict(err, "erratum", printed="PRINTED-FORMULA x+1", corrected="CORRECTED-FORMULA x+2",
                   counterexample={"example": {"x": 0.5}, "replay": f"python -m verify check {err}"}),
          _verdict(cond, "conditional", condition="eta <= 1/L", counterexample={"example": {"eta": 3.0}}),
          _verdict(ver, "verified")]
    js = tmp / "verdicts.jsonl"
    js.write_text("\n".join(json.dumps(v) for v in vs) + "\n")
    res = tmp / "results"
    res.mkdir()
    _png(res / "table-5.1.png")
    _png(res / "fig_2_1.png")  # underscore naming is matched too
    (res / "table-5.1.csv").write_text(
        "norm_a,k,ratio,n,global,p_hat,ci95_lo,ci95_hi,published,published_inside_ci95\n"
        "1.0,2,0,100,50,0.5,0.4,0.6,0.5,True\n1.0,2,1,100,60,0.6,0.5,0.7,0.95,False\n"
        "1.0,5,0,100,50,0.5,0.4,0.6,0.5,True\n1.0,5,1,100,70,0.7,0.6,0.8,0.72,True\n")
    (res / "table-5.1.txt").write_text("published inside the 95% interval: 3/4\n")
    out = tmp / "out"
    summ = report.build_report(out, ids=[err, cond, ver], from_json=js, experiments=True,
                               experiment_ids=["table-5.1", "fig-2.1"], results=res, progress=False)
    return {"out": out, "summary": summ, "ids": (err, cond, ver), "html": (out / "report.html").read_text(),
            "md": (out / "report.md").read_text()}


def test_html_has_verdict_table_rows_and_evidence(prepared):
    h = prepared["html"]
    assert h.startswith("<!DOCTYPE html>")
    assert "id='verdict-table'" in h
    body = h.split("id='verdict-table'")[1].split("</table>")[0]
    for sid in prepared["ids"]:
        assert f"<b>{sid}</b>" in body
    assert body.count("<tr id=") == 3
    for col in ("examples", "samples", "worst z", "margin", "seed", "time s", "tolerance"):
        assert f"<th>{col}</th>" in h
    assert "131072" in body and "1.25" in body


def test_html_is_self_contained(prepared):
    h = prepared["html"]
    assert "<style>" in h
    assert not re.search(r"""(src|href)=['"]https?://""", h), "no network resource may be referenced"
    assert not re.search(r"""<link[^>]+stylesheet""", h)
    imgs = re.findall(r"""<img[^>]+src='([^']+)'""", h)
    assert len(imgs) == 2 and all(s.startswith("data:image/png;base64,") for s in imgs)


def test_errata_and_conditions_sections(prepared):
    h = prepared["html"]
    err, cond, _ = prepared["ids"]
    errata = h.split("id='errata'")[1].split("<h2")[0]
    assert err in errata and "PRINTED-FORMULA x+1" in errata and "CORRECTED-FORMULA x+2" in errata
    assert "&quot;x&quot;: 0.5" in errata  # the counterexample
    conds = h.split("id='conditions'")[1].split("<h2")[0]
    assert cond in conds and "eta &lt;= 1/L" in conds
    assert prepared["summary"]["errata"] == [err]


def test_published_numbers_side_by_side(prepared):
    h = prepared["html"]
    exp = h.split("id='experiments'")[1].split("id='coverage'")[0]
    assert "ours vs published" in exp
    assert "0.600 [0.500, 0.700] | pub 0.95" in exp
    assert exp.count("class='num flag'") == 1  # the one published number outside our interval
    assert "embedded from" in exp


def test_coverage_section(prepared):
    h = prepared["html"]
    cov = h.split("id='coverage'")[1].split("id='timing'")[0]
    if report.catalog_path() is None:
        assert "Catalog not found" in cov
    else:
        assert "catalog rows have a registered check" in cov
        assert "<th>chapter</th>" in cov and "<th>kind</th>" in cov


def test_markdown_twin(prepared):
    md = prepared["md"]
    assert md.startswith("# lemmacheck report")
    assert "| id | title | source | verdict | expected |" in md
    assert "## Errata (1)" in md and "CORRECTED-FORMULA x+2" in md
    assert "![table-5.1](img/table-5.1.png)" in md
    assert (prepared["out"] / "img" / "table-5.1.png").is_file()
    j = json.loads((prepared["out"] / "report.json").read_text())
    assert len(j["verdicts"]) == 3 and j["summary"]["mismatches"] == []


def test_find_experiment_files(tmp_path):
    for n in ("fig-7.3.png", "fig-7.3-escape.csv", "fig-7.4.png", "fig_2_1.png", "fig-5.12.png"):
        (tmp_path / n).write_bytes(b"x")
    names = lambda eid: sorted(p.name for p in report.find_experiment_files(tmp_path, eid))  # noqa: E731
    assert names("fig-7.3") == ["fig-7.3-escape.csv", "fig-7.3.png"]
    assert names("fig-2.1") == ["fig_2_1.png"]
    assert names("fig-5.1") == []  # fig-5.12 is another figure
    assert report.find_experiment_files(tmp_path / "missing", "fig-7.3") == []


def test_cli_runs_real_checks(tmp_path):
    """End to end through the CLI on two cheap statements (one verified, one honest inconclusive)."""
    ids = [s for s in ("claim-4.1", "thm-6.4") if s in registry.REGISTRY]
    if not ids:
        pytest.skip("cheap statements not registered")
    rc = main(["report", "--ids", ",".join(ids), "--no-experiments", "--out", str(tmp_path), "--json"])
    h = (tmp_path / "report.html").read_text()
    for sid in ids:
        assert f"<b>{sid}</b>" in h
    assert "Experiments not included" in h
    lines = (tmp_path / "verdicts.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == ids
    assert rc == (0 if all(json.loads(x)["matches_expectation"] for x in lines) else 1)


def test_parallel_jobs_give_the_same_verdicts(tmp_path):
    """--jobs 2 runs checks and experiments in spawned worker processes; the verdicts equal the
    serial run's and the experiment's figure is embedded."""
    ids = [s for s in ("claim-4.1", "thm-6.4") if s in registry.REGISTRY]
    if len(ids) < 2:
        pytest.skip("cheap statements not registered")
    ser = report.run_checks([registry.get(s) for s in ids], "quick", 0)
    from verify import experiments
    experiments.load_all()
    exp = ["fig-5.2"] if "fig-5.2" in experiments.EXPERIMENTS else []
    summ = report.build_report(tmp_path, ids=ids, experiment_ids=exp, results=None, jobs=2, progress=False)
    par = json.loads((tmp_path / "report.json").read_text())["verdicts"]
    assert [d["id"] for d in par] == ids
    for d in par:
        assert (d["verdict"], d["summary"]) == (ser[d["id"]]["verdict"], ser[d["id"]]["summary"])
        assert d["cpu_s"] >= 0
    assert summ["statements"] == 2
    if exp:
        h = (tmp_path / "report.html").read_text()
        assert "id='exp-fig-5.2'" in h and "data:image/png;base64," in h and "run now" in h


@pytest.mark.parametrize("argv,msg", [
    (["report", "--chapter", "99"], "unknown chapter"),
    (["report", "--ids", "no-such-lemma"], "unknown statement"),
    (["report", "--from-json", "/nonexistent/v.jsonl"], "no such file"),
])
def test_cli_usage_errors(argv, msg, tmp_path, capsys):
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


# ----------------------------------------------------------------------------- real browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


BROWSER_PROBE = """<script>window.addEventListener('load',function(){
var imgs=[].slice.call(document.images);var t=document.getElementById('verdict-table');
var r=t?t.getBoundingClientRect():null;var cs=t?getComputedStyle(t):null;
var res={images:imgs.length,loaded:imgs.filter(function(i){return i.complete&&i.naturalWidth>0}).length,
table_visible:!!(r&&r.width>0&&r.height>0&&cs.visibility!=='hidden'&&cs.display!=='none'),
rows:t?t.tBodies[0].rows.length:0};var p=document.createElement('pre');p.id='lemmacheck-probe';
p.textContent=JSON.stringify(res);document.body.appendChild(p);});</script>"""


def browser_probe(html_path: Path, chromium: str) -> dict:
    """Render ``html_path`` in headless Chromium and return what the page shows (table, images)."""
    probe = html_path.with_name("browser-probe.html")
    probe.write_text(html_path.read_text().replace("</body>", BROWSER_PROBE + "</body>"))
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    m = re.search(r'<pre id="lemmacheck-probe">([^<]*)</pre>', out.stdout)
    assert m, f"probe did not run in Chromium (rc {out.returncode}): {out.stderr[-2000:]}"
    return json.loads(m.group(1))


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed "
                    "(apt-get install -y --no-install-recommends chromium)")
def test_html_renders_in_headless_chromium(prepared):
    res = browser_probe(prepared["out"] / "report.html", _chromium())
    assert res["table_visible"], res
    assert res["rows"] == 3, res
    assert res["images"] == 2 and res["loaded"] == 2, f"images did not load: {res}"


# ----------------------------------------------------------------------------- calibration bookkeeping
def test_calibration_summary_on_synthetic_verdicts():
    """verify.calibrate: the corrected part of an erratum / inside part of a conditional is what is
    calibrated; an unexpected verdict is a false alarm; p-values use the Bonferroni m of the policy."""
    from verify import calibrate

    def leaf(v, z, m=6, samples=1000):
        return {"verdict": v, "evidence": {"samples": samples, "worst_z": z, "seed": 0,
                                           "tolerance": f"|est-exp| <= z*se, z=5.10 (alpha=2e-06, Bonferroni m={m})"}}

    err = {"verdict": "erratum", "expect": "erratum", "evidence": {"samples": 1000, "worst_z": 1e30, "seed": 1},
           "parts": [leaf("refuted", 1e30), leaf("verified", 1.0)]}
    cond = {"verdict": "conditional", "expect": "conditional", "evidence": {"seed": 2},
            "parts": [leaf("verified", 4.0, m=1), leaf("refuted", 50.0)]}
    alarm = {**leaf("refuted", 9.0), "expect": "verified", "evidence": {**leaf("refuted", 9.0)["evidence"], "seed": 7}}
    assert [u["evidence"]["worst_z"] for u in calibrate.correct_units(err)] == [1.0]
    assert [u["evidence"]["worst_z"] for u in calibrate.correct_units(cond)] == [4.0]
    assert calibrate.unit_pvalue(leaf("verified", 1.0)) == 1.0  # 6 * 2 * Phi(-1) > 1
    assert abs(calibrate.unit_pvalue(leaf("verified", 4.0, m=1)) - 6.334e-5) < 1e-7
    assert calibrate.unit_pvalue(leaf("verified", float("inf"))) is None  # se = 0 coordinate within round-off
    assert calibrate.unit_pvalue(leaf("refuted", float("inf"))) == 0.0
    res = calibrate.summarize({"a": [err, err], "b": [cond], "c": [alarm]})
    assert (res["runs"], res["alarms"], res["mc_comparisons"]) == (4, 1, 4)
    assert res["per_statement"][2]["alarm_seeds"] == [7] and not res["calibrated"]
    assert res["designed_alpha_per_comparison"] == 2e-6
    ok = calibrate.summarize({"a": [err] * 3})
    assert ok["calibrated"] and ok["alarm_ci95"][0] == 0.0 and ok["alarm_ci95"][1] < 0.71
