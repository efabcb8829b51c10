"""Subsidence time-series fit: speed against bare least squares, and a file streamed to a GeoPackage.

Data: 1,000,000 points x 200 Sentinel-1 dates (every 6 days from 2019-01-03), float32,
shape (points, dates) as CityTwin's readers give them; each series is a velocity
(N(-4, 6) mm/yr), an annual cycle (amplitude up to 6 mm, random phase) and 1.5 mm white
noise, 0 at the first date (seeded). Model: offset + velocity + annual (P = 4).

1. Speed, in one process, every side twice, alternating, best run kept:

   - anchor A, the bare ``pinv(G) @ D`` on the same array, as NumPy computes it for
     float32 D (``pinv`` is float64, so the product is float64): the literal
     ``np.linalg.pinv(G) @ D.T`` and the same product in the rows layout,
     ``D @ np.linalg.pinv(G).T``; the faster is the anchor. Both are also timed with
     ``pinv(G)`` cast to float32 (a float32, memory-bound product, no float64 copy of D)
     and the ratio to that stricter reference is reported (not a target).
   - anchor B, MintPy's way: ``scipy.linalg.lstsq(G.astype(float32), D.T)``.
   - CityTwin ``fit_series`` (coefficients, σ of each, RMSE, σ0, cumulative
     displacement), numba's kernel loaded before the clock; then the same D with 5 % of
     the epochs missing at random per point (NaN; lstsq cannot do per-point gaps).

   Targets: CityTwin gap-free at most 3x anchor A and at least 5x faster than anchor B;
   with 5 % missing epochs at most 15x anchor A. Check: CityTwin's velocities equal
   lstsq's to 1e-4 mm/yr (max abs difference; RMSE against lstsq's residues reported),
   and with gaps those of a per-point ``numpy.linalg.lstsq`` on a sample of points.
2. End to end: the data (rounded to 0.1 mm, as the sample EGMS files) written once as an
   EGMS CSV (``write_egms_csv``, outside any timing, into a temporary folder removed at
   the end), then ``fit_ps_file(csv, gpkg, terms, keep_series=False)`` timed in a child
   process with its peak memory, alongside ``read_egms_csv`` of the whole file (the
   file-size-bound way) and the streamed fit of a file of the first N/4 points. Target:
   the streamed peak at N within 1.3x of the peak at N/4 (memory bounded by the chunk,
   not by the file). Twice each, alternating; best time, highest peak.

Every end-to-end measurement runs in its own process so that its peak (VmHWM) is its
own. ``--quick``: 100,000 points, a smoke run (its ratios are not the targets': the
anchor's 80 MB then sits largely in cache and fixed costs weigh more). With too little
free disk for the CSV, the end-to-end part uses fewer points and says so.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from benchkit import import_citytwin, peak_rss_mb

if TYPE_CHECKING:  # imported late at run time: the checkout is put on sys.path first
    from citytwin.processing.timeseries import ModelTerms

ROOT = Path(__file__).resolve().parent.parent
N_POINTS = 1_000_000
N_QUICK = 100_000
N_DATES = 200
FIRST_DATE = "2019-01-03"
REVISIT_DAYS = 6
NOISE_MM = 1.5
MISSING_SHARE = 0.05
SEED = 2024
GENERATE_ROWS = 100_000

PINV_TARGET = 3.0
LSTSQ_TARGET = 5.0
GAPS_TARGET = 15.0
VELOCITY_TOLERANCE = 1e-4
MEMORY_TARGET = 1.3
#: Rows of the gap check against a per-point lstsq.
GAP_CHECK_ROWS = 2_000
#: Estimated CSV bytes per point (attributes + 200 values like "-12.3,"), with margin.
CSV_BYTES_PER_POINT = 120 + 7 * N_DATES
DISK_MARGIN = 2 * 1024**3


def _terms() -> ModelTerms:
    from citytwin.processing.timeseries import ModelTerms

    return ModelTerms(velocity=True, annual=True)


def dates() -> np.ndarray:
    return np.datetime64(FIRST_DATE, "D") + np.arange(N_DATES) * REVISIT_DAYS


def make_series(n_points: int, seed: int = SEED) -> np.ndarray:
    """(n_points, N_DATES) float32 displacements in mm, deterministic, made in row blocks."""
    t = (dates() - dates()[0]).astype(np.float64) / 365.25
    season = 2 * np.pi * (dates() - dates()[0].astype("datetime64[Y]")).astype(np.float64) / 365.25
    rng = np.random.default_rng(seed)
    out = np.empty((n_points, N_DATES), dtype=np.float32)
    for start in range(0, n_points, GENERATE_ROWS):
        stop = min(start + GENERATE_ROWS, n_points)
        k = stop - start
        velocity = rng.normal(-4.0, 6.0, k)[:, None]
        amplitude = rng.uniform(0.0, 6.0, k)[:, None]
        phase = rng.uniform(0.0, 2 * np.pi, k)[:, None]
        block = velocity * t + amplitude * (np.cos(season - phase) - np.cos(season[0] - phase))
        block += rng.normal(0.0, NOISE_MM, (k, N_DATES))
        block[:, 0] = 0.0  # EGMS series start at 0 on the reference date
        out[start:stop] = block
    return out


def with_gaps(d: np.ndarray, share: float = MISSING_SHARE, seed: int = SEED + 1) -> np.ndarray:
    """A copy of ``d`` with each value missing (NaN) with probability ``share``, point by point."""
    rng = np.random.default_rng(seed)
    out = d.copy()
    for start in range(0, d.shape[0], GENERATE_ROWS):
        block = out[start : start + GENERATE_ROWS]
        block[rng.random(block.shape, dtype=np.float32) < share] = np.nan
    return out


# -- 1. speed: anchors and CityTwin in one process, alternating ------------------------------
def _speed_child(n_points: int, chunk_rows: int | None, repeats: int) -> dict:
    import scipy.linalg

    from citytwin.processing import fit_kernel, timeseries

    terms = _terms()
    when = dates()
    g = timeseries.design_matrix(when, terms)
    d = make_series(n_points)
    d_gaps = with_gaps(d)
    started = time.perf_counter()
    fit_kernel.warm_up()  # numba's cache load, paid before the clock as scipy's import is
    warm_up_s = time.perf_counter() - started
    rows = {"chunk_rows": chunk_rows} if chunk_rows else {}

    sides = {
        "pinv_literal": lambda: np.linalg.pinv(g) @ d.T,
        "pinv_rows": lambda: d @ np.linalg.pinv(g).T,
        "pinv32_literal": lambda: np.linalg.pinv(g).astype(np.float32) @ d.T,
        "pinv32_rows": lambda: d @ np.linalg.pinv(g).astype(np.float32).T,
        "lstsq": lambda: scipy.linalg.lstsq(g.astype(np.float32), d.T),
        "citytwin": lambda: timeseries.fit_series(d, when, terms, **rows),
        "citytwin_gaps": lambda: timeseries.fit_series(d_gaps, when, terms, **rows),
    }
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    kept: dict = {}
    for _ in range(repeats):  # alternate the sides: drift of a noisy machine hits all alike
        for name, run in sides.items():
            start = time.perf_counter()
            result = run()
            seconds[name].append(time.perf_counter() - start)
            if name in ("lstsq", "citytwin", "citytwin_gaps"):
                kept[name] = result
            del result

    # Checks against independent solutions.
    coef_lstsq, residues = kept["lstsq"][0], kept["lstsq"][1]
    ours, gaps = kept["citytwin"].columns, kept["citytwin_gaps"].columns
    vel_index = terms.parameter_names.index("vel")
    velocity_diff = float(np.max(np.abs(ours["vel"] - coef_lstsq[vel_index].astype(np.float64))))
    rmse_lstsq = np.sqrt(residues.astype(np.float64) / N_DATES)
    rmse_diff = float(np.max(np.abs(ours["rmse"] - rmse_lstsq)))
    # σ of the velocity in closed form: σ0 √((GᵀG)⁻¹ᵥᵥ), σ0 from lstsq's residues.
    sigma0_lstsq = np.sqrt(residues.astype(np.float64) / (N_DATES - g.shape[1]))
    vel_sd_closed = sigma0_lstsq * np.sqrt(np.linalg.inv(g.T @ g)[vel_index, vel_index])
    vel_sd_diff = float(np.max(np.abs(ours["vel_sd"] - vel_sd_closed)))
    sample = np.random.default_rng(SEED + 2).choice(n_points, min(GAP_CHECK_ROWS, n_points), replace=False)
    gap_diff = 0.0
    for i in sample:
        present = ~np.isnan(d_gaps[i])
        beta = np.linalg.lstsq(g[present], d_gaps[i, present].astype(np.float64), rcond=None)[0]
        gap_diff = max(gap_diff, abs(float(gaps["vel"][i]) - beta[vel_index]))
    return {
        "seconds": seconds,
        "warm_up_s": warm_up_s,
        "compiled": bool(fit_kernel.AVAILABLE),
        "chunk_rows": chunk_rows or timeseries.DEFAULT_CHUNK_ROWS,
        "missing_share": float(np.isnan(d_gaps).mean()),
        "velocity_max_diff": velocity_diff,
        "rmse_max_diff": rmse_diff,
        "vel_sd_max_diff": vel_sd_diff,
        "gaps_velocity_max_diff": float(gap_diff),
        "gaps_checked_points": int(sample.size),
        "gaps_flagged": int(np.count_nonzero(gaps["fit_flag"] != "")),
        "peak_mb": peak_rss_mb(),
    }


# -- 2. end to end: each run in its own process ------------------------------------------------
def _stream_child(path: str, out: str) -> dict:
    import geopandas  # noqa: F401 - imported before the clock: a one-off cost of any process
    import pyogrio

    from citytwin.processing import fit_kernel
    from citytwin.processing.ps_fit_file import fit_ps_file

    fit_kernel.warm_up()
    start = time.perf_counter()
    report = fit_ps_file(path, out, _terms(), keep_series=False)
    seconds = time.perf_counter() - start
    features = int(pyogrio.read_info(out)["features"])
    Path(out).unlink()
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "points": report.n_points,
        "fitted": report.fitted,
        "features": features,
    }


def _read_child(path: str) -> dict:
    import geopandas  # noqa: F401

    from citytwin.layers.insar import read_egms_csv

    start = time.perf_counter()
    dataset = read_egms_csv(path)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "points": dataset.n_points}


def _run_child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_csv(path: Path, n_points: int) -> Path:
    """The EGMS CSV of the first ``n_points`` series (0.1 mm, as EGMS-like sample files)."""
    import geopandas as gpd

    from citytwin.layers.insar import PSDataset, write_egms_csv

    rng = np.random.default_rng(SEED + 3)
    easting = 4_321_000.0 + rng.uniform(0, 20_000, n_points)  # EPSG:3035 around Berlin
    northing = 3_270_000.0 + rng.uniform(0, 20_000, n_points)
    points = gpd.GeoDataFrame(
        {
            "pid": [f"PS{i:08d}" for i in range(n_points)],
            "height": np.round(rng.uniform(30, 120, n_points), 1),
            "temporal_coherence": np.round(rng.uniform(0.6, 1.0, n_points), 2),
        },
        geometry=gpd.points_from_xy(easting, northing),
        crs="EPSG:3035",
    )
    displacement = np.round(make_series(n_points), 1)
    write_egms_csv(PSDataset(points, dates(), displacement), path)
    return path


def _read_through(path: Path, block: int = 16 * 1024**2) -> None:
    with path.open("rb") as handle:
        while handle.read(block):
            pass


def head_csv(source: Path, target: Path, n_points: int) -> Path:
    """The header and first ``n_points`` rows of ``source``."""
    with source.open("rb") as reader, target.open("wb") as writer:
        for _ in range(n_points + 1):
            writer.write(reader.readline())
    return target


def end_to_end(n_points: int, repeats: int) -> dict:
    notes = []
    with tempfile.TemporaryDirectory(prefix="citytwin-bench-subsidence-") as folder:
        tmp = Path(folder)
        free = shutil.disk_usage(tmp).free
        need = int(1.25 * n_points * CSV_BYTES_PER_POINT * 1.3) + DISK_MARGIN
        if free < need:
            fitting = int((free - DISK_MARGIN) / (1.25 * CSV_BYTES_PER_POINT * 1.3)) // 1000 * 1000
            notes.append(
                f"Only {free / 1e9:.1f} GB free in {tmp.parent}: end to end with {fitting:,} points "
                f"instead of {n_points:,}."
            )
            n_points = fitting
            if n_points < 4_000:
                return {"skipped": True, "notes": notes, "meets_target": False}
        started = time.perf_counter()
        full = write_csv(tmp / "egms_full.csv", n_points)
        quarter = head_csv(full, tmp / "egms_quarter.csv", n_points // 4)
        write_s = time.perf_counter() - started
        for path in (full, quarter):  # every run then reads from a warm page cache, the first one too
            _read_through(path)
        gpkg = str(tmp / "fit.gpkg")
        runs: dict[str, list[dict]] = {"stream": [], "read": [], "stream_quarter": []}
        for _ in range(repeats):
            runs["stream"].append(_run_child(["--child", "stream", "--path", str(full), "--out", gpkg]))
            runs["read"].append(_run_child(["--child", "read", "--path", str(full)]))
            runs["stream_quarter"].append(_run_child(["--child", "stream", "--path", str(quarter), "--out", gpkg]))
        csv_mb = full.stat().st_size / 1e6
        quarter_mb = quarter.stat().st_size / 1e6

    def best(name: str) -> float:
        return min(r["seconds"] for r in runs[name])

    def peak(name: str) -> float:
        return max(r["peak_mb"] for r in runs[name])

    stream = runs["stream"][0]
    memory_ratio = peak("stream") / peak("stream_quarter")
    complete = stream["features"] == n_points and stream["fitted"] == n_points
    if not complete:
        notes.append(f"The GeoPackage holds {stream['features']:,} features, {stream['fitted']:,} fitted.")
    return {
        "points": n_points,
        "quarter_points": n_points // 4,
        "csv_mb": round(csv_mb, 1),
        "quarter_csv_mb": round(quarter_mb, 1),
        "csv_write_s": round(write_s, 1),
        "stream_s": round(best("stream"), 2),
        "stream_s_per_million": round(best("stream") / n_points * 1e6, 2),
        "stream_quarter_s": round(best("stream_quarter"), 2),
        "stream_quarter_s_per_million": round(best("stream_quarter") / (n_points // 4) * 1e6, 2),
        "read_whole_s": round(best("read"), 2),
        "stream_peak_mb": round(peak("stream"), 1),
        "stream_quarter_peak_mb": round(peak("stream_quarter"), 1),
        "read_whole_peak_mb": round(peak("read"), 1),
        "memory_ratio": round(memory_ratio, 3),
        "stream_over_read_peak": round(peak("stream") / peak("read"), 3),
        "gpkg_features": stream["features"],
        "fitted": stream["fitted"],
        "all_stream_s": [round(r["seconds"], 2) for r in runs["stream"]],
        "all_read_s": [round(r["seconds"], 2) for r in runs["read"]],
        "target_memory_ratio": MEMORY_TARGET,
        "notes": notes,
        "meets_target": bool(memory_ratio <= MEMORY_TARGET and complete),
    }


def speed(n_points: int, chunk_rows: int | None, repeats: int) -> dict:
    args = ["--child", "speed", "--points", str(n_points), "--repeats", str(repeats)]
    child = _run_child(args + (["--chunk-rows", str(chunk_rows)] if chunk_rows else []))
    best = {name: min(values) for name, values in child["seconds"].items()}
    # The anchor is the bare pinv(G) @ D as NumPy computes it for float32 D (pinv is
    # float64, so the product is float64), in its faster layout. The same product with pinv
    # cast to float32 is reported as a stricter reference (a float32 product, not the
    # least-squares solution to float64 precision that the fit gives).
    anchor_name = min(("pinv_literal", "pinv_rows"), key=best.__getitem__)
    strict_name = min(("pinv32_literal", "pinv32_rows"), key=best.__getitem__)
    anchor = best[anchor_name]
    ratio = best["citytwin"] / anchor
    speedup = best["lstsq"] / best["citytwin"]
    gaps_ratio = best["citytwin_gaps"] / anchor
    report = {
        "points": n_points,
        "dates": N_DATES,
        "compiled_kernel": child["compiled"],
        "chunk_rows": child["chunk_rows"],
        "warm_up_s": round(child["warm_up_s"], 3),
        **{f"{name}_s": round(value, 3) for name, value in best.items()},
        "anchor": anchor_name,
        "anchor_s": round(anchor, 3),
        "ratio_to_pinv": round(ratio, 2),
        "ratio_to_float32_pinv": round(best["citytwin"] / best[strict_name], 2),
        "gaps_ratio_to_float32_pinv": round(best["citytwin_gaps"] / best[strict_name], 2),
        "lstsq_over_citytwin": round(speedup, 2),
        "gaps_ratio_to_pinv": round(gaps_ratio, 2),
        "gaps_over_gap_free": round(best["citytwin_gaps"] / best["citytwin"], 2),
        "missing_share": round(child["missing_share"], 4),
        "velocity_max_diff_mm_yr": child["velocity_max_diff"],
        "rmse_max_diff_mm": child["rmse_max_diff"],
        "vel_sd_max_diff_mm_yr": child["vel_sd_max_diff"],
        "gaps_velocity_max_diff_mm_yr": child["gaps_velocity_max_diff"],
        "gaps_checked_points": child["gaps_checked_points"],
        "gaps_flagged": child["gaps_flagged"],
        "all_s": {name: [round(v, 3) for v in values] for name, values in child["seconds"].items()},
        "peak_mb": round(child["peak_mb"], 1),
        "targets": {"ratio_to_pinv": PINV_TARGET, "lstsq_over_citytwin": LSTSQ_TARGET, "gaps_ratio": GAPS_TARGET},
    }
    report["meets"] = {
        "ratio_to_pinv": bool(ratio <= PINV_TARGET),
        "lstsq_over_citytwin": bool(speedup >= LSTSQ_TARGET),
        "gaps_ratio_to_pinv": bool(gaps_ratio <= GAPS_TARGET),
        "velocity_equal": bool(child["velocity_max_diff"] <= VELOCITY_TOLERANCE),
        "gaps_velocity_equal": bool(child["gaps_velocity_max_diff"] <= VELOCITY_TOLERANCE),
    }
    report["meets_target"] = all(report["meets"].values())
    return report


def _mark(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def print_table(fit: dict, e2e: dict) -> None:
    rows = [
        ("pinv(G) @ D.T (literal, float64 pinv)", f"{fit['pinv_literal_s']:.3f} s", "", ""),
        ("D @ pinv(G).T (float64 pinv)", f"{fit['pinv_rows_s']:.3f} s", f"anchor A = {fit['anchor']}", ""),
        ("pinv(G).astype(f4) @ D.T", f"{fit['pinv32_literal_s']:.3f} s", "", ""),
        ("D @ pinv(G).astype(f4).T", f"{fit['pinv32_rows_s']:.3f} s", "stricter reference", ""),
        ("scipy.linalg.lstsq(G32, D.T) (MintPy)", f"{fit['lstsq_s']:.3f} s", "anchor B", ""),
        (
            "CityTwin fit_series, gap-free",
            f"{fit['citytwin_s']:.3f} s",
            f"{fit['ratio_to_pinv']}x A ({fit['ratio_to_float32_pinv']}x float32 pinv); B/CityTwin "
            f"{fit['lstsq_over_citytwin']}x",
            f"<= {PINV_TARGET}x: {_mark(fit['meets']['ratio_to_pinv'])}; >= {LSTSQ_TARGET}x: "
            f"{_mark(fit['meets']['lstsq_over_citytwin'])}",
        ),
        (
            f"CityTwin fit_series, {fit['missing_share']:.1%} missing",
            f"{fit['citytwin_gaps_s']:.3f} s",
            f"{fit['gaps_ratio_to_pinv']}x A ({fit['gaps_ratio_to_float32_pinv']}x float32 pinv; "
            f"{fit['gaps_over_gap_free']}x gap-free)",
            f"<= {GAPS_TARGET}x: {_mark(fit['meets']['gaps_ratio_to_pinv'])}",
        ),
        (
            "velocity vs lstsq (max abs diff)",
            f"{fit['velocity_max_diff_mm_yr']:.2e} mm/yr",
            f"rmse {fit['rmse_max_diff_mm']:.1e} mm, vel_sd {fit['vel_sd_max_diff_mm_yr']:.1e} mm/yr",
            f"<= {VELOCITY_TOLERANCE:g}: {_mark(fit['meets']['velocity_equal'])}",
        ),
        (
            f"gaps: velocity vs per-point lstsq ({fit['gaps_checked_points']:,} pts)",
            f"{fit['gaps_velocity_max_diff_mm_yr']:.2e} mm/yr",
            "",
            f"<= {VELOCITY_TOLERANCE:g}: {_mark(fit['meets']['gaps_velocity_equal'])}",
        ),
    ]
    if not e2e.get("skipped"):
        n, q = e2e["points"], e2e["quarter_points"]
        rows += [
            (
                f"fit_ps_file CSV -> GPKG, {n:,} pts ({e2e['csv_mb']:.0f} MB)",
                f"{e2e['stream_s']:.1f} s",
                f"{e2e['stream_s_per_million']} s/Mpt, peak {e2e['stream_peak_mb']:.0f} MB",
                "",
            ),
            (
                f"fit_ps_file CSV -> GPKG, {q:,} pts",
                f"{e2e['stream_quarter_s']:.1f} s",
                f"{e2e['stream_quarter_s_per_million']} s/Mpt, peak {e2e['stream_quarter_peak_mb']:.0f} MB",
                f"peak ratio {e2e['memory_ratio']}x <= {MEMORY_TARGET}x: {_mark(e2e['meets_target'])}",
            ),
            (
                f"read_egms_csv whole file, {n:,} pts",
                f"{e2e['read_whole_s']:.1f} s",
                f"peak {e2e['read_whole_peak_mb']:.0f} MB (streamed/whole {e2e['stream_over_read_peak']}x)",
                "",
            ),
            ("write_egms_csv of the files (untimed set-up)", f"{e2e['csv_write_s']:.0f} s", "", ""),
        ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    title = f"subsidence: {fit['points']:,} points x {N_DATES} epochs float32, offset + velocity + annual (P = 4)"
    print(title)
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for note in e2e.get("notes", []):
        print(f"  note: {note}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{N_QUICK:,} points")
    parser.add_argument("--points", type=int, default=N_POINTS)
    parser.add_argument("--repeats", type=int, default=2, help="runs per side (best kept)")
    parser.add_argument("--chunk-rows", type=int, default=None, help="fit_series chunk_rows (default: its own)")
    parser.add_argument("--no-end-to-end", action="store_true", help="speed part only")
    parser.add_argument("--child")
    parser.add_argument("--path")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    n_points = N_QUICK if args.quick else args.points
    if args.child:
        import_citytwin()
        if args.child == "speed":
            result = _speed_child(n_points, args.chunk_rows, args.repeats)
        elif args.child == "stream":
            result = _stream_child(args.path, args.out)
        else:
            result = _read_child(args.path)
        print(json.dumps(result))
        return {}
    import_citytwin()
    fit = speed(n_points, args.chunk_rows, args.repeats)
    e2e = {"skipped": True, "notes": ["end to end not run (--no-end-to-end)"]}
    if not args.no_end_to_end:
        e2e = end_to_end(n_points, args.repeats)
    print_table(fit, e2e)
    met = bool(fit["meets_target"] and e2e.get("meets_target", False))
    print(f"subsidence: {'all targets met' if met else 'targets missed (see above)'}")
    return {"benchmark": "subsidence", "fit": fit, "end_to_end": e2e, "meets_target": met}


if __name__ == "__main__":
    main(sys.argv[1:])
