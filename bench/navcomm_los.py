"""Line of sight for cell coverage: 100 sites x 1,000,000 cells, time, memory and a check.

Data: a synthetic city DSM of 1000 x 1000 cells of 1 m (seeded): 100 m blocks with 20 m
streets, one to four buildings of 8-120 m per block on a gently sloping ground, 1 % of the
cells no-data. 100 sites at random places, the antenna 5 m above the roof or 30 m above
the street. Receivers: every cell at ground + 1.5 m, so each site is 1,000,000 LOS tests.

Measured in a child process (its peak resident memory, VmHWM, is its own): numba's
kernels loaded before the clock; :func:`~citytwin.processing.navcomm.visibility.viewshed`
(the R2 radial sweep) once per site with a range covering the whole grid; wall time per
site and in total, LOS tests per second; resident memory before the loop and the peak, and
tracemalloc's peak of one call (the arrays it allocates). Anchor, in the same run: the
segment test (:func:`segment_clear`, one segment per cell sampled at half a cell, the
straightforward way) on 20,000 random cells of the first site, as LOS tests per second.
Check: viewshed against segment_clear on 2,000 random cells of each of 5 sites (agreement
share). ``--quick``: 300 x 300 cells, 10 sites.

Not registered in ``bench/run.py``: :func:`los_section` is called by ``bench/navcomm.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from benchkit import import_citytwin, peak_rss_mb

SIZE, SITES = 1000, 100
QUICK_SIZE, QUICK_SITES = 300, 10
CELL_M = 1.0
SEED = 2024
AGREEMENT_SITES = 5
AGREEMENT_SAMPLES = 2000
ANCHOR_SEGMENTS = 20_000
RECEIVER_HEIGHT = 1.5
BLOCK_M, STREET_M = 100.0, 20.0


def city_dsm(size: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(dsm, ground) of the synthetic city, float64 (size, size), NaN no-data in the DSM."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] * CELL_M
    ground = 40.0 + 0.01 * cols - 0.005 * rows
    dsm = ground.copy()
    pitch = BLOCK_M + STREET_M
    for by in np.arange(0.0, size * CELL_M, pitch):
        for bx in np.arange(0.0, size * CELL_M, pitch):
            for _ in range(int(rng.integers(1, 5))):
                w, d = rng.uniform(15.0, 45.0, 2)
                x0, y0 = bx + rng.uniform(0, BLOCK_M - w), by + rng.uniform(0, BLOCK_M - d)
                r0, r1 = int(y0 / CELL_M), int((y0 + d) / CELL_M)
                c0, c1 = int(x0 / CELL_M), int((x0 + w) / CELL_M)
                height = float(np.clip(rng.lognormal(np.log(30.0), 0.6), 8.0, 120.0))
                block = dsm[r0:r1, c0:c1]
                dsm[r0:r1, c0:c1] = np.maximum(block, ground[r0:r1, c0:c1] + height)
    dsm[rng.random(dsm.shape) < 0.01] = np.nan
    return dsm, ground


def site_positions(dsm: np.ndarray, ground: np.ndarray, n: int, seed: int = SEED + 1) -> np.ndarray:
    """(n, 3) antenna x, y, z: 5 m above a roof or 30 m above the street."""
    rng = np.random.default_rng(seed)
    size = dsm.shape[0]
    r, c = rng.integers(0, size, n), rng.integers(0, size, n)
    top = np.where(np.isfinite(dsm[r, c]), dsm[r, c], ground[r, c])
    roof = top > ground[r, c] + 2.0
    z = np.where(roof, top + 5.0, ground[r, c] + 30.0)
    return np.column_stack([(c + 0.5) * CELL_M, size * CELL_M - (r + 0.5) * CELL_M, z])


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(size: int, n_sites: int) -> dict:
    from citytwin.processing.navcomm import visibility
    from citytwin.processing.navcomm.surface import Surface

    dsm, ground = city_dsm(size)
    surface = Surface(dsm, 0.0, size * CELL_M, CELL_M, CELL_M)
    target = ground + RECEIVER_HEIGHT
    sites = site_positions(dsm, ground, n_sites)
    reach = 1.5 * size * CELL_M  # the whole grid from anywhere on it
    started = time.perf_counter()  # numba's compiled kernels loaded (or compiled) before the clock
    small = Surface(dsm[:20, :20].copy(), 0.0, 20.0, 1.0, 1.0)
    visibility.viewshed(small, (5.0, 5.0, 50.0), target[:20, :20], 30.0)
    visibility.segment_clear(small, np.array([5.0, 5.0, 50.0]), np.array([[15.0, 15.0, 40.0]]))
    warm_up_s = time.perf_counter() - started
    rss_before = _current_rss_mb()

    seconds, visible_share = [], []
    for site in sites:
        start = time.perf_counter()
        visible = visibility.viewshed(surface, tuple(site), target, reach)
        seconds.append(time.perf_counter() - start)
        visible_share.append(float(visible.mean()))
    tracemalloc.start()
    visibility.viewshed(surface, tuple(sites[0]), target, reach)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # Anchor: the segment test, one segment per cell, on random cells of the first site.
    rng = np.random.default_rng(SEED + 2)
    cells = rng.choice(size * size, min(ANCHOR_SEGMENTS, size * size), replace=False)
    rows, cols = np.divmod(cells, size)
    xs, ys = surface.cell_centres()
    ends = np.column_stack([xs[cols], ys[rows], target[rows, cols]])
    start = time.perf_counter()
    visibility.segment_clear(surface, sites[0], ends)
    segment_s = time.perf_counter() - start

    agreements = []
    for site in sites[:AGREEMENT_SITES]:
        visible = visibility.viewshed(surface, tuple(site), target, reach)
        agreement = visibility.viewshed_agreement(
            surface, tuple(site), target, visible, reach, n_samples=AGREEMENT_SAMPLES, seed=SEED
        )
        agreements.append(
            {"share": agreement.share, "n": agreement.n, "viewshed_only": agreement.viewshed_only,
             "segment_only": agreement.segment_only}
        )  # fmt: skip
    return {
        "compiled": bool(visibility.AVAILABLE),
        "warm_up_s": warm_up_s,
        "seconds": seconds,
        "visible_share": visible_share,
        "rss_before_mb": rss_before,
        "peak_mb": peak_rss_mb(),
        "traced_peak_mb": traced_peak / 1e6,
        "segment_s": segment_s,
        "segments": int(cells.size),
        "agreements": agreements,
        "dsm_no_data_share": float(np.isnan(dsm).mean()),
    }


def _run_child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"navcomm LOS child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def los_section(quick: bool) -> dict:
    """LOS tests of ``SITES`` sites x ``SIZE``² cells (``quick``: the small variant), as a dict.

    Keys: grid and site counts, total and per-site wall time, LOS tests per second, the
    segment-test anchor and the speed-up over it, memory (resident before the loop, peak,
    tracemalloc peak of one call), and the viewshed/segment agreement on sampled cells.
    """
    size, n_sites = (QUICK_SIZE, QUICK_SITES) if quick else (SIZE, SITES)
    child = _run_child(["--child", "--size", str(size), "--sites", str(n_sites)])
    seconds = np.array(child["seconds"])
    cells = size * size
    total = float(seconds.sum())
    los_rate = n_sites * cells / total
    segment_rate = child["segments"] / child["segment_s"]
    shares = [a["share"] for a in child["agreements"]]
    return {
        "quick": quick,
        "grid": f"{size} x {size} cells of {CELL_M:g} m",
        "cells": cells,
        "sites": n_sites,
        "compiled_kernel": child["compiled"],
        "warm_up_s": round(child["warm_up_s"], 3),
        "total_s": round(total, 3),
        "per_site_ms_median": round(float(np.median(seconds)) * 1e3, 2),
        "per_site_ms_max": round(float(seconds.max()) * 1e3, 2),
        "los_tests_per_s": round(los_rate),
        "visible_share_mean": round(float(np.mean(child["visible_share"])), 4),
        "anchor_segment_tests_per_s": round(segment_rate),
        "anchor_segments": child["segments"],
        "viewshed_over_segments": round(los_rate / segment_rate, 1),
        "rss_before_mb": round(child["rss_before_mb"], 1),
        "peak_mb": round(child["peak_mb"], 1),
        "traced_peak_per_call_mb": round(child["traced_peak_mb"], 1),
        "agreement_min": round(min(shares), 4),
        "agreement_mean": round(float(np.mean(shares)), 4),
        "agreement_samples": int(sum(a["n"] for a in child["agreements"])),
        "agreement_detail": child["agreements"],
        "dsm_no_data_share": round(child["dsm_no_data_share"], 4),
    }


def print_section(report: dict) -> None:
    print(f"LOS (viewshed, R2 sweep): {report['sites']} sites x {report['grid']} ({report['cells']:,} cells each)")
    print(
        f"  total {report['total_s']:.2f} s, per site {report['per_site_ms_median']:.1f} ms median "
        f"({report['per_site_ms_max']:.1f} max); {report['los_tests_per_s'] / 1e6:.1f} M LOS tests/s"
    )
    print(
        f"  anchor, segment test per cell: {report['anchor_segment_tests_per_s'] / 1e6:.2f} M tests/s "
        f"-> viewshed {report['viewshed_over_segments']}x"
    )
    print(
        f"  memory: {report['rss_before_mb']:.0f} MB resident before the loop, peak {report['peak_mb']:.0f} MB; "
        f"{report['traced_peak_per_call_mb']:.1f} MB allocated per call"
    )
    print(
        f"  viewshed = segment test on {report['agreement_samples']:,} sampled cells: "
        f"{report['agreement_mean']:.2%} (worst site {report['agreement_min']:.2%})"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=SIZE, help=argparse.SUPPRESS)
    parser.add_argument("--sites", type=int, default=SITES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import_citytwin()
    if args.child:
        print(json.dumps(_child(args.size, args.sites)))
        return {}
    report = los_section(args.quick)
    print_section(report)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
