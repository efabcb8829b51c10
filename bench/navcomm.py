"""Navigation and communication on the 3D base: speed against the plain way, by section.

Sections (each a function ``<name>_section(quick) -> dict``, listed in ``SECTIONS``):

- ``los``: line-of-sight tests of 100 sites x 1M cells, time and peak memory
  (``navcomm_los.py``); ``beidou``: BeiDou grid codes per second for 1M points at level
  10 (``navcomm_beidou.py``).
- ``horizon``: horizon, sky-view factor and open sky of every cell of a synthetic city
  DSM (1000 x 1000 cells of 1 m, seeded): 60 m blocks on a street grid (streets 14 m),
  each block split into four lots holding a box 6-80 m tall, ground on a gentle slope;
  72 sectors, rays to 1 km, receivers 1.5 m above the DSM (every cell computed).

  1. CityTwin: ``sky_view_grid`` of the whole grid, in a child process with an empty
     numba cache, so that the compile is paid (and reported) in a warm-up on a 40 x 40
     grid before the clock.
  2. Baseline, as one would write it: for each cell, for each sector, NumPy along the
     ray with the same sample distances and sampling rule
     (``horizon._reference_horizon``), then the SVF; timed on 200 random cells, scaled
     per cell.

  Reported: time per cell of each (CityTwin's on all cores, ``threads``), the ratio
  (target >= 50x) and the largest SVF difference on the sampled cells (must be 0: the
  same rule). ``--quick``: a 300 x 300 grid, 100 baseline cells.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchkit import import_citytwin

HERE = Path(__file__).resolve().parent
HORIZON_TARGET = 50.0
SEED = 8
ORIGIN = (440_000.0, 4_400_000.0)  # upper-left corner, EPSG:4548 (CGCS2000 / GK CM 117E)
EPSG = 4548
BLOCK, STREET = 60, 14
SECTORS, MAX_DISTANCE, RECEIVER_HEIGHT, MASK = 72, 1000.0, 1.5, 25.0


# -- horizon -----------------------------------------------------------------------------
def city_dsm(size: int, seed: int = SEED) -> np.ndarray:
    """Heights (size x size, 1 m cells, row 0 north), deterministic."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    z = 40.0 + 0.004 * cols - 0.003 * rows
    lot = (BLOCK - STREET) // 2
    for top in range(STREET // 2, size, BLOCK):
        for left in range(STREET // 2, size, BLOCK):
            for dr in (0, lot):
                for dc in (0, lot):
                    r0 = top + dr + int(rng.integers(0, 4))
                    c0 = left + dc + int(rng.integers(0, 4))
                    h, w = int(rng.integers(12, lot - 3)), int(rng.integers(12, lot - 3))
                    z[r0 : r0 + h, c0 : c0 + w] += rng.uniform(6.0, 80.0)
    return z


def _surface(z: np.ndarray):
    import pyproj

    from citytwin.processing.navcomm.surface import Surface

    return Surface(z, ORIGIN[0], ORIGIN[1], 1.0, 1.0, pyproj.CRS.from_epsg(EPSG).to_wkt())


def _sample_cells(size: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    flat = rng.choice(size * size, n, replace=False)
    return flat // size, flat % size


def _horizon_child(size: int, n_sample: int) -> None:
    """CityTwin's side (run with an empty numba cache): prints a JSON line."""
    import_citytwin()
    import numba

    from citytwin.processing.navcomm.horizon import sky_view_grid

    dsm = _surface(city_dsm(size))
    start = time.perf_counter()
    sky_view_grid(_surface(city_dsm(40, seed=SEED + 2)), sectors=SECTORS, max_distance=MAX_DISTANCE)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    grid = sky_view_grid(
        dsm, None, receiver_height=RECEIVER_HEIGHT, sectors=SECTORS, max_distance=MAX_DISTANCE, mask_deg=MASK
    )
    seconds = time.perf_counter() - start
    rows, cols = _sample_cells(size, n_sample)
    out = {
        "compile_s": compile_s,
        "seconds": seconds,
        "cells": int(np.isfinite(grid.svf).sum()),
        "threads": numba.get_num_threads(),
        "mean_svf": float(np.nanmean(grid.svf)),
        "svf_sample": grid.svf[rows, cols].tolist(),
    }
    print(json.dumps(out))


def _baseline(size: int, n_sample: int) -> dict:
    """The plain per-cell loop on sampled cells (in this process)."""
    import_citytwin()
    from citytwin.processing.navcomm.horizon import _reference_horizon, sector_azimuths

    dsm = _surface(city_dsm(size))
    rows, cols = _sample_cells(size, n_sample)
    xs, ys = dsm.cell_centres()
    azimuths = sector_azimuths(SECTORS)
    svf = np.empty(n_sample)
    start = time.perf_counter()
    for k, (r, c) in enumerate(zip(rows, cols)):
        horizon, _, _ = _reference_horizon(dsm, xs[c], ys[r], dsm.z[r, c] + RECEIVER_HEIGHT, azimuths, MAX_DISTANCE)
        svf[k] = 1.0 - np.mean(np.sin(np.radians(np.maximum(horizon, 0.0))) ** 2)
    return {"seconds": time.perf_counter() - start, "svf_sample": svf}


def horizon_section(quick: bool) -> dict:
    size, n_sample = (300, 100) if quick else (1000, 200)
    with tempfile.TemporaryDirectory(prefix="citytwin-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}  # empty: the warm-up pays the compile
        done = subprocess.run(
            [sys.executable, __file__, "--child", "horizon", "--size", str(size), "--sample", str(n_sample)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    if done.returncode:
        raise RuntimeError(f"horizon child failed:\n{done.stderr[-3000:]}")
    ours = json.loads(done.stdout.strip().splitlines()[-1])
    base = _baseline(size, n_sample)
    ours_per_cell = ours["seconds"] / ours["cells"]
    base_per_cell = base["seconds"] / n_sample
    difference = np.abs(np.asarray(ours["svf_sample"]) - base["svf_sample"])
    speedup = base_per_cell / ours_per_cell
    report = {
        "grid": [size, size],
        "cell_m": 1.0,
        "sectors": SECTORS,
        "max_distance_m": MAX_DISTANCE,
        "cells": ours["cells"],
        "threads": ours["threads"],
        "compile_s": round(ours["compile_s"], 2),
        "citytwin_grid_s": round(ours["seconds"], 2),
        "citytwin_per_cell_us": round(ours_per_cell * 1e6, 2),
        "baseline_cells": n_sample,
        "baseline_s": round(base["seconds"], 2),
        "baseline_per_cell_us": round(base_per_cell * 1e6, 1),
        "speedup": round(speedup, 1),
        "svf_max_abs_difference": float(difference.max()),
        "mean_svf": round(ours["mean_svf"], 4),
        "target_speedup": HORIZON_TARGET,
    }
    report["meets_target"] = bool(speedup >= HORIZON_TARGET and report["svf_max_abs_difference"] == 0.0)
    print(
        f"navcomm/horizon: sky view of {size}x{size} cells at {SECTORS} sectors to {MAX_DISTANCE:.0f} m: CityTwin "
        f"{report['citytwin_grid_s']} s ({report['citytwin_per_cell_us']} us/cell, {report['threads']} threads; "
        f"compile {report['compile_s']} s apart) vs per-cell NumPy loop {report['baseline_per_cell_us']} us/cell "
        f"({n_sample} cells) -> {report['speedup']}x (target >= {HORIZON_TARGET}x); same SVF on the sampled cells: "
        f"max diff {report['svf_max_abs_difference']:.3g} {'OK' if report['meets_target'] else 'MISSED'}"
    )
    return report


def los_section(quick: bool) -> dict:
    """LOS tests of 100 sites x 1M cells (``navcomm_los.py``), printed."""
    import navcomm_los

    report = navcomm_los.los_section(quick)
    navcomm_los.print_section(report)
    return report


def beidou_section(quick: bool) -> dict:
    """BeiDou codes per second for 1M points at level 10 (``navcomm_beidou.py``), printed."""
    import navcomm_beidou

    report = navcomm_beidou.beidou_section(quick)
    print(
        f"BeiDou grid codes, level 10, {report['points']:,} points: {report['encode_many_codes_per_s'] / 1e6:.2f} M "
        f"codes/s (3D {report['encode_many_3d_codes_per_s'] / 1e6:.2f} M/s, decode "
        f"{report['decode_many_codes_per_s'] / 1e6:.2f} M/s; {report['ratio_encode_many_to_loop']}x a one-point "
        f"loop), equal to the one-point functions on {report['sample_checked']:,} points: "
        f"{report['sample_2d_equal_to_encode'] and report['sample_3d_equal_to_encode_3d']}"
    )
    return report


SECTIONS = {"horizon": horizon_section, "los": los_section, "beidou": beidou_section}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help=f"sections to run (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, a smoke run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "horizon":
        _horizon_child(args.size, args.sample)
        return {}
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    report: dict = {"benchmark": "navcomm", "quick": args.quick}
    for name in args.sections or list(SECTIONS):
        report[name] = SECTIONS[name](args.quick)
    report["meets_target"] = all(
        section.get("meets_target", True) for section in report.values() if isinstance(section, dict)
    )
    return report


if __name__ == "__main__":
    main()
