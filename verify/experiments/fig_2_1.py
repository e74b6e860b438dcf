"""Figure 2.1 of the thesis (Section 2.5, line 756): GD on a two-layer ReLU network for several
widths m -- (a) log training loss, (b) fraction of activation patterns changed since the init,
(c) max_r ||w_r(k) - w_r(0)||, vs iteration.

Full size (full=True): n = 1000, d = 1000 points uniform on the unit sphere, y ~ N(0, 1), 100 GD
epochs with a fixed step, m in {1000, 2000, 4000, 8000, 16000}.  The step is not legible in the
OCR; eta = 0.5 here (a fixed step that converges at every m).  Scaled default (~1 minute on 2
cores): n = 200, d = 100, m in {100, 400, 1600, 6400}, 100 iterations.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from . import experiment


@experiment("fig-2.1", title="two-layer ReLU GD: loss, pattern changes, distance from init vs width")
def fig_2_1(out_dir: Path, profile, seed: int, progress=None, full: bool = False) -> dict:
    from verify.statements.ch2 import fig21_run

    if full:
        n, d, widths, steps, eta = 1000, 1000, (1000, 2000, 4000, 8000, 16000), 100, 0.5
    else:
        n, d, widths, steps, eta = 200, 100, (100, 400, 1600, 6400), 100, 0.5
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    res = {}
    for m in widths:
        res.update(fig21_run(n, d, (m,), steps, eta, seed))
        if progress:
            progress(f"m={m}: final loss {float(res[m]['sq_err'][-1]):.3g}")
    csv_path = out_dir / "fig_2_1.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["m", "iteration", "sq_err", "flip_fraction", "max_distance"])
        for m in widths:
            for k in range(steps):
                w.writerow([m, k, float(res[m]["sq_err"][k]), float(res[m]["flip_frac"][k]),
                            float(res[m]["max_dist"][k])])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for m in widths:
        ax[0].semilogy(res[m]["sq_err"], label=f"m={m}")
        ax[1].plot(res[m]["flip_frac"], label=f"m={m}")
        ax[2].plot(res[m]["max_dist"], label=f"m={m}")
    ax[0].set_title("training loss ||y - u(k)||^2")
    ax[1].set_title("fraction of activation patterns changed")
    ax[2].set_title("max_r ||w_r(k) - w_r(0)||")
    for a in ax:
        a.set_xlabel("iteration")
        a.legend()
    fig.tight_layout()
    png = out_dir / "fig_2_1.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    flips = [float(res[m]["flip_frac"][-1]) for m in widths]
    dist = [float(res[m]["max_dist"][-1]) for m in widths]
    loss = [float(res[m]["sq_err"][-1]) for m in widths]
    mono = all(flips[i + 1] < flips[i] for i in range(len(widths) - 1)) and \
        all(dist[i + 1] < dist[i] for i in range(len(widths) - 1))
    return {"files": [str(csv_path), str(png)],
            "text": f"n={n}, d={d}, widths={list(widths)}: final flip fraction {flips}, max distance {dist}, "
                    f"final loss {loss}; monotone decrease in m: {mono}",
            "widths": list(widths), "final_flip_fraction": flips, "final_max_distance": dist,
            "final_sq_err": loss, "monotone": mono}
