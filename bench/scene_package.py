"""Scene-package export (3D Tiles) against ``py3dtiles convert`` (issue 7 acceptance): speed and flat memory.

Input: a generated airborne survey of a city (ground, buildings, trees; the generator of
:mod:`pointcloud_read`), 10M points and a 20M-point file of the same city (twice the
density), LAS 1.4 point format 7 (RGB, intensity, classification, GPS time) in EPSG:4548
(CGCS2000 / 3-degree Gauss-Kruger CM 117E) over 1.5 km x 1.5 km of Beijing, the CRS
written in the header as a WKT VLR. The files are written chunk by chunk and cached in
``build/bench-data/`` (ignored by git, removed by ``make clean``) under names keyed by
their parameters (about 15 s to write both).

1. Speed: ``export_scene_package`` of the 10M file against ``py3dtiles convert`` of the
   same file to the same target CRS (EPSG:4978, geocentric, as 3D Tiles requires), 2 jobs
   as the machine has 2 cores. py3dtiles runs twice per repeat, writing .pnts (3D Tiles
   1.0, its default) and .glb (1.1, what a scene package holds); the faster of the two is
   the anchor. Both tools are timed as the wall clock of their own process (interpreter
   start and imports included on both sides); ours is also timed inside its process.
   Sides and sizes alternate over ``--repeats`` and the best time of each is kept.
   Target: ours at least 5x faster.
2. Memory: peak RSS (VmHWM) of the export of the 10M file against the 20M file, same
   settings. Target: the 20M peak within 1.15x of the 10M peak ("flat"). The peak summed
   over the whole process tree (PSS, sampled every 0.5 s) is reported for both tools as
   well: py3dtiles works in worker processes.

py3dtiles pins its own dependencies (numpy 2, its own laspy and pyproj), so it never goes
into the project's ``.venv``: this script makes ``build/bench-py3dtiles-venv`` with
``python -m venv`` and installs ``py3dtiles[las]==12.1.*`` there when it is missing. It is
given ``--pyproj-always-xy``: EPSG:4548 declares northing before easting, but LAS (like
every GIS file) stores easting as x; without the flag py3dtiles swaps them and puts the
city in the western Pacific (150 E, 3 N). Both tools first convert a small file of the
same city, untimed: numba compiles (and caches) their kernels on a first run.

Like with like: both outputs are checked cheaply afterwards: tile files by kind, points
summed from the tile headers (``POINTS_LENGTH`` of .pnts, the POSITION accessors of .glb),
where the root bounding volume lands against where the city is, and a few .glb tiles
through the Khronos glTF validator (``tools/validate_gltf.mjs``, when ``make node`` has
installed it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from benchkit import import_citytwin, peak_rss_mb
from pointcloud_read import X0, Y0, city_points

ROOT = Path(__file__).resolve().parent.parent
SPEED_TARGET = 5.0
MEMORY_TARGET = 1.15
EPSG = 4548
#: South-west corner of the generated city in EPSG:4548 (easting, northing): Haidian, Beijing.
CITY_X, CITY_Y = 440_000.0, 4_420_000.0
CHUNK_SIZE = 1_000_000
SEED = 11
DATA_VERSION = 1  # bump when the generated file changes, so stale caches are not reused
DATA_DIR = ROOT / "build" / "bench-data"
PY3DTILES_VENV = ROOT / "build" / "bench-py3dtiles-venv"
PY3DTILES_REQUIREMENT = "py3dtiles[las]==12.1.*"
JOBS = 2
VALIDATE_GLB = 5  # .glb tiles per output given to the glTF validator (the largest ones)
SAMPLE_S = 0.5  # each sample reads smaps_rollup of every process: kept rare, it costs CPU both sides need
PLACE_TOLERANCE_M = 50.0  # root bounding-box centre from the city centre (both are box centres)
WARM_UP_POINTS = 200_000
VIEWER_FOLDER = "Cesium"  # the viewer a scene package carries; not tiles
SPEC_VERSIONS = ("1.0", "1.1")  # py3dtiles: .pnts (its default) and .glb tiles


# -- input -----------------------------------------------------------------------------------
def write_city_las(path: Path, n_points: int, chunk_size: int = CHUNK_SIZE, seed: int = SEED) -> Path:
    """Write ``n_points`` of the generated city, in EPSG:4548 with a WKT VLR, chunk by chunk.

    Written to a temporary name and renamed at the end, so an interrupted run never leaves
    a truncated file behind for the cache to trust.
    """
    import laspy
    import pyproj

    header = laspy.LasHeader(point_format=7, version="1.4")
    header.scales = np.array([0.01, 0.01, 0.01])
    header.offsets = np.array([CITY_X, CITY_Y, 0.0])
    header.add_crs(pyproj.CRS.from_epsg(EPSG))
    rng = np.random.default_rng(seed)
    part = path.with_name(f".{path.name}.part")
    with laspy.open(str(part), mode="w", header=header) as writer:
        for start in range(0, n_points, chunk_size):
            index = np.arange(start, min(start + chunk_size, n_points), dtype=np.int64)
            values = city_points(index, n_points, rng)
            values["x"] += CITY_X - X0  # the generator's city sits at (X0, Y0): move it
            values["y"] += CITY_Y - Y0
            record = laspy.ScaleAwarePointRecord.zeros(index.size, header=header)
            for name, array in values.items():
                record[name] = array
            record.return_number = np.ones(index.size, dtype=np.uint8)
            writer.write_points(record)
    part.replace(path)
    return path


def city_las(n_points: int) -> tuple[Path, float]:
    """The cached city file of ``n_points`` (written when missing) and the seconds spent writing it."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"scene_package_city_{n_points}pts_epsg{EPSG}_seed{SEED}_v{DATA_VERSION}.las"
    if path.exists():
        return path, 0.0
    started = time.perf_counter()
    write_city_las(path, n_points)
    return path, time.perf_counter() - started


# -- memory of a process tree ------------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text(encoding="ascii").split()]
    return pids


def _memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of one process in MB; PSS shares pages between processes, so sums add up."""
    pss = rss = 0.0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii").splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
            elif line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
    return pss, rss


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_pss_mb = 0.0  # the whole tree's PSS at its highest sample
        self.peak_rss_single_mb = 0.0  # the largest one process's RSS seen
        self.max_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.pid)
            sizes = [_memory_mb(pid) for pid in pids]
            self.peak_pss_mb = max(self.peak_pss_mb, sum(pss for pss, _ in sizes))
            self.peak_rss_single_mb = max(self.peak_rss_single_mb, *(rss for _, rss in sizes))
            self.max_processes = max(self.max_processes, len(pids))
            self._stop.wait(SAMPLE_S)


def _timed_process(command: list[str]) -> dict:
    """Run ``command``; its wall clock, its tree's memory and its output."""
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        with TreeMemory(process.pid) as memory:
            stdout, stderr = process.communicate()
        seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed ({process.returncode}):\n{stderr[-3000:]}")
    return {
        "wall_s": seconds,
        "tree_peak_pss_mb": memory.peak_pss_mb,
        "largest_process_rss_mb": memory.peak_rss_single_mb,
        "processes": memory.max_processes,
        "stdout": stdout,
        "stderr": stderr,
    }


# -- py3dtiles, in its own venv ------------------------------------------------------------------
def py3dtiles_venv() -> tuple[Path, str]:
    """The ``py3dtiles`` executable of the benchmark's own venv (made when missing) and its version."""
    python = PY3DTILES_VENV / "bin" / "python"
    executable = PY3DTILES_VENV / "bin" / "py3dtiles"
    if not executable.exists():
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PY3DTILES_VENV)], check=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "install"]
        subprocess.run([*pip, PY3DTILES_REQUIREMENT], check=True)
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('py3dtiles'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return executable, version


def run_py3dtiles(executable: Path, las: Path, out: Path, spec_version: str) -> dict:
    command = [str(executable), "convert", str(las), "--out", str(out), "--overwrite", "--jobs", str(JOBS)]
    command += ["--srs_out", "4978", "--pyproj-always-xy", "--spec-version", spec_version]
    run = _timed_process(command)
    shown = {str(executable): "py3dtiles", str(las): las.name, str(out): "<out>"}
    return {
        "command": " ".join(shown.get(part, part) for part in command),
        **{k: v for k, v in run.items() if k not in ("stdout", "stderr")},
    }


# -- ours, in a fresh interpreter --------------------------------------------------------------
def _summary(result: object) -> object:
    """The export's result, JSON-able: its point layer's record when it has a manifest, else all of it."""
    import dataclasses

    manifest = getattr(result, "manifest", None)
    if isinstance(manifest, dict):
        layer = dict(manifest.get("layers", {}).get("points", {}))
        for bulky in ("schema", "attributes", "count_rule", "geometric_error"):
            layer.pop(bulky, None)
        return {"points_layer": layer, "warnings": list(getattr(result, "warnings", []))}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    return json.loads(json.dumps(result, default=str))


def _child_export(path: str, out: str, budget: int | None) -> None:
    import_citytwin()
    from citytwin.twin.scene_package import export_scene_package  # imported before the clock

    options = {} if budget is None else {"point_budget": budget}
    progress: list[float] = []
    start = time.perf_counter()
    result = export_scene_package(
        out,
        clouds=[path],
        buildings=None,
        dtm=None,
        max_depth=None,
        progress=progress.append,
        is_canceled=lambda: False,
        **options,
    )
    seconds = time.perf_counter() - start
    report = {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "progress_calls": len(progress),
        "progress_last": progress[-1] if progress else None,
        "progress_monotonic": bool(np.all(np.diff(progress) >= 0)) if progress else None,
        "result": _summary(result),
    }
    print(json.dumps(report))


def scene_package_available() -> bool:
    """Whether ``export_scene_package`` imports (it is written while this benchmark is)."""
    import_citytwin()
    try:
        from citytwin.twin.scene_package import export_scene_package  # noqa: F401
    except ImportError:
        return False
    return True


def run_ours(las: Path, out: Path, budget: int | None) -> dict:
    command = [sys.executable, __file__, "--child", "export", "--path", str(las), "--out", str(out)]
    if budget is not None:
        command += ["--budget", str(budget)]
    run = _timed_process(command)
    child = json.loads(run["stdout"].strip().splitlines()[-1])
    return {**{k: v for k, v in run.items() if k not in ("stdout", "stderr")}, **child}


# -- what came out ------------------------------------------------------------------------------
def _glb_points(data: bytes) -> int:
    """Points in a .glb: POSITION counts of its POINTS primitives (mode 0), from the JSON chunk."""
    length, kind = struct.unpack_from("<II", data, 12)
    if kind != 0x4E4F534A:  # "JSON"
        return 0
    gltf = json.loads(data[20 : 20 + length])
    accessors = gltf.get("accessors", [])
    return sum(
        accessors[primitive["attributes"]["POSITION"]]["count"]
        for mesh in gltf.get("meshes", [])
        for primitive in mesh.get("primitives", [])
        if primitive.get("mode", 4) == 0 and "POSITION" in primitive.get("attributes", {})
    )


def _pnts_points(data: bytes) -> int:
    json_length = struct.unpack_from("<I", data, 12)[0]
    return int(json.loads(data[28 : 28 + json_length]).get("POINTS_LENGTH", 0))


def _root_centre(tileset: dict) -> np.ndarray | None:
    """ECEF centre of the root's bounding box (after the root's transform), or None."""
    root = tileset["root"]
    box = root.get("boundingVolume", {}).get("box")
    if box is None:
        return None
    centre = np.append(np.asarray(box[:3], dtype=float), 1.0)
    transform = np.asarray(root.get("transform", np.eye(4).ravel(order="F")), dtype=float).reshape(4, 4, order="F")
    return (transform @ centre)[:3]


def _validate_glb(files: list[Path]) -> dict | None:
    script = ROOT / "tools" / "validate_gltf.mjs"
    node = shutil.which("node")
    if not files or node is None or not (ROOT / "tools" / "node_modules" / "gltf-validator").is_dir():
        return None
    done = subprocess.run([node, str(script), *map(str, files)], capture_output=True, text=True, check=False)
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    codes = sorted({m["code"] for r in reports for m in r["messages"] if m.get("severity") == 0})
    return {
        "files": len(reports),
        "files_with_errors": sum(r["numErrors"] > 0 for r in reports),
        "errors": sum(r["numErrors"] for r in reports),
        "warnings": sum(r["numWarnings"] for r in reports),
        "error_codes": codes,
    }


def inspect_tiles(out: Path, expected_lonlat: tuple[float, float]) -> dict:
    """Tile files by kind, their points, the root's place against the city's, a glTF check."""
    import pyproj

    files: dict[str, int] = {}
    points: dict[str, int] = {}
    size = 0
    glbs = []
    for path in out.rglob("*"):
        if not path.is_file() or VIEWER_FOLDER in path.relative_to(out).parts:
            continue  # CesiumJS ships .glb models of its own
        kind = path.suffix.lower().lstrip(".")
        files[kind] = files.get(kind, 0) + 1
        if kind in ("glb", "pnts"):
            size += path.stat().st_size
            with path.open("rb") as stream:  # the header is enough: JSON comes first
                head = stream.read(1 << 16)
            with contextlib.suppress(ValueError, KeyError, IndexError, struct.error):
                points[kind] = points.get(kind, 0) + (_glb_points(head) if kind == "glb" else _pnts_points(head))
            if kind == "glb":
                glbs.append(path)
    report: dict = {"files": files, "points": points, "total_points": sum(points.values()), "tiles_mb": size / 1e6}
    tileset_path = out / "tileset.json"
    if tileset_path.exists():
        tileset = json.loads(tileset_path.read_text(encoding="utf-8"))
        report["tiles_version"] = tileset.get("asset", {}).get("version")
        centre = _root_centre(tileset)
        if centre is not None:
            to_geodetic = pyproj.Transformer.from_crs(4978, 4979, always_xy=True)
            lon, lat, height = to_geodetic.transform(*centre)
            geod = pyproj.Geod(ellps="WGS84")
            report["root_centre_lonlat"] = [round(lon, 6), round(lat, 6), round(height, 1)]
            report["root_centre_offset_m"] = round(geod.inv(lon, lat, *expected_lonlat)[2], 1)
    glbs.sort(key=lambda p: p.stat().st_size, reverse=True)
    report["gltf_validator"] = _validate_glb(glbs[:VALIDATE_GLB])
    return report


def city_centre_lonlat(las: Path) -> tuple[float, float]:
    import laspy
    import pyproj

    with laspy.open(str(las)) as reader:
        mins, maxs = reader.header.mins, reader.header.maxs
    to_lonlat = pyproj.Transformer.from_crs(EPSG, 4326, always_xy=True)
    return to_lonlat.transform((mins[0] + maxs[0]) / 2, (mins[1] + maxs[1]) / 2)


# -- how busy the machine was ----------------------------------------------------------------------
def _cpu_times() -> list[int]:
    with contextlib.suppress(OSError):
        return [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:9]]
    return []


def machine_load(before: list[int], load_before: float) -> dict:
    """Load averages around the run and the CPU share stolen by the hypervisor during it.

    py3dtiles (five processes polling each other) slows down far more than a single
    process when the cores are shared: on a busy machine the ratio is not to be trusted.
    """
    after = _cpu_times()
    report = {
        "cpus": os.cpu_count(),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }
    if before and after:
        delta = [b - a for a, b in zip(before, after)]
        report["steal_share"] = round(
            delta[7] / max(sum(delta), 1), 3
        )  # user nice system idle iowait irq softirq steal
        report["idle_share"] = round(delta[3] / max(sum(delta), 1), 3)
    return report


# -- the run -------------------------------------------------------------------------------------
def _round(d: dict, digits: int = 2) -> dict:
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in d.items()}


def _py3dtiles(spec: str, runs: list[dict], n_points: int) -> dict:
    """Best time and lowest peak of the py3dtiles runs of one tile format; the first run's output."""
    best_s = min(r["wall_s"] for r in runs)
    return {
        "spec_version": spec,
        "command": runs[0]["command"],
        "wall_s": round(best_s, 2),
        "points_per_s": round(n_points / best_s),
        "tree_peak_pss_mb": round(min(r["tree_peak_pss_mb"] for r in runs), 1),
        "largest_process_rss_mb": round(min(r["largest_process_rss_mb"] for r in runs), 1),
        "processes": runs[0]["processes"],
        "all_wall_s": [round(r["wall_s"], 2) for r in runs],
        "output": runs[0]["output"],
    }


def _ours(runs: list[dict], n_points: int) -> dict:
    """Best time and lowest peak of the export runs of one file; the first run's output."""
    best_export_s = min(r["seconds"] for r in runs)
    first = runs[0]
    return {
        "wall_s": round(min(r["wall_s"] for r in runs), 2),
        "export_s": round(best_export_s, 2),
        "points_per_s": round(n_points / best_export_s),
        "peak_mb": round(min(r["peak_mb"] for r in runs), 1),
        "tree_peak_pss_mb": round(min(r["tree_peak_pss_mb"] for r in runs), 1),
        "all_wall_s": [round(r["wall_s"], 2) for r in runs],
        "all_peak_mb": [round(r["peak_mb"], 1) for r in runs],
        "progress": {k: first[k] for k in ("progress_calls", "progress_last", "progress_monotonic")},
        "result": first["result"],
        "output": first["output"],
    }


def run(sizes: tuple[int, int], budget: int | None, specs: tuple[str, ...], repeats: int) -> dict:
    notes: list[str] = []
    (small, small_s), (large, large_s) = city_las(sizes[0]), city_las(sizes[1])
    centre = city_centre_lonlat(small)
    executable, version = py3dtiles_venv()
    if not version.startswith("12.1"):
        notes.append(f"py3dtiles {version} used: 12.1 is not available")
    ours_ready = scene_package_available()
    if not ours_ready:
        notes.append("citytwin.twin.scene_package is not there yet: only the anchor and the input were measured")
    cpu_before, load_before = _cpu_times(), os.getloadavg()[0]
    anchor_runs: dict[str, list[dict]] = {spec: [] for spec in specs}
    runs: dict[int, list[dict]] = {sizes[0]: [], sizes[1]: []}
    with tempfile.TemporaryDirectory(prefix="citytwin-bench-scene-") as folder:
        tmp = Path(folder)
        warm_up, _ = city_las(WARM_UP_POINTS)
        for spec in specs:
            run_py3dtiles(executable, warm_up, tmp / f"warm_up_py3dtiles_{spec}", spec)
        if ours_ready:
            run_ours(warm_up, tmp / "warm_up_ours", budget)
        # Alternate the sides and the sizes: drift of a noisy machine hits all alike.
        for i in range(repeats):
            for spec in specs:
                out = tmp / f"py3dtiles_{spec}_{i}"
                result = run_py3dtiles(executable, small, out, spec)
                if i == 0:
                    result["output"] = inspect_tiles(out, centre)
                shutil.rmtree(out)
                anchor_runs[spec].append(result)
            for n, las in ((sizes[0], small), (sizes[1], large)) if ours_ready else ():
                out = tmp / f"ours_{n}_{i}"
                result = run_ours(las, out, budget)
                if i == 0:
                    result["output"] = inspect_tiles(out, centre)
                shutil.rmtree(out, ignore_errors=True)
                runs[n].append(result)
    anchors = {spec: _py3dtiles(spec, results, sizes[0]) for spec, results in anchor_runs.items()}
    machine = machine_load(cpu_before, load_before)
    cpus = machine["cpus"] or 1
    if max(machine["load_1min_before"], machine["load_1min_after"]) > cpus or machine.get("steal_share", 0) > 0.1:
        notes.append(
            f"busy machine (load {machine['load_1min_before']} / {machine['load_1min_after']} on {cpus} cores, "
            f"{machine.get('steal_share', 0):.0%} stolen): times, py3dtiles' above all, are not reliable; rerun idle"
        )
    # The anchor is py3dtiles' faster tile format: the harder target.
    anchor = min(anchors.values(), key=lambda a: a["wall_s"])
    report: dict = {
        "points": {"small": sizes[0], "large": sizes[1]},
        "input": {
            "crs": f"EPSG:{EPSG}",
            "format": "LAS 1.4, point format 7 (RGB, intensity, classification, GPS time), WKT VLR",
            "small_file": small.name,
            "large_file": large.name,
            "generated_s": round(small_s + large_s, 1),  # 0: both from the cache
            "city_centre_lonlat": [round(centre[0], 6), round(centre[1], 6)],
        },
        "machine": machine,
        "py3dtiles": {"version": version, "anchor_spec_version": anchor["spec_version"], "runs": anchors},
        "notes": notes,
    }
    if not ours_ready:
        return {**report, "meets": {}, "meets_target": False}
    small_run, large_run = _ours(runs[sizes[0]], sizes[0]), _ours(runs[sizes[1]], sizes[1])
    speedup = anchor["wall_s"] / small_run["wall_s"]
    memory_ratio = large_run["peak_mb"] / small_run["peak_mb"]
    outputs = [small_run["output"], large_run["output"], *(a["output"] for a in anchors.values())]
    report["citytwin"] = {"point_budget": budget or "default", "small": small_run, "large": large_run}
    report["speedup"] = round(speedup, 2)
    report["speedup_in_process"] = round(anchor["wall_s"] / small_run["export_s"], 2)
    report["memory_ratio"] = round(memory_ratio, 3)
    report["targets"] = {"speedup": SPEED_TARGET, "memory_ratio": MEMORY_TARGET}
    report["meets"] = {
        "speedup": bool(speedup >= SPEED_TARGET),
        "flat_memory": bool(memory_ratio <= MEMORY_TARGET),
        # Like with like: every point of the file in the tiles (py3dtiles repeats a few), in the same place.
        "same_points": bool(
            small_run["output"]["total_points"] == sizes[0]
            and large_run["output"]["total_points"] == sizes[1]
            and all(a["output"]["total_points"] >= sizes[0] for a in anchors.values())
        ),
        "same_place": all(o.get("root_centre_offset_m", np.inf) < PLACE_TOLERANCE_M for o in outputs),
    }
    return {**report, "meets_target": all(report["meets"].values())}


def _mark(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def _tiles(output: dict) -> str:
    kinds = ", ".join(f"{count:,} .{kind}" for kind, count in sorted(output["files"].items()))
    return f"{kinds}, {output['total_points']:,} points, {output['tiles_mb']:.0f} MB of tiles"


def print_report(r: dict) -> None:
    n = r["points"]
    for spec, a in r["py3dtiles"]["runs"].items():
        print(
            f"scene_package: py3dtiles {r['py3dtiles']['version']} convert --spec-version {spec} of {n['small']:,} "
            f"points (EPSG:{EPSG} -> 4978, --jobs {JOBS}): {a['wall_s']:.1f} s, peak {a['tree_peak_pss_mb']:.0f} MB "
            f"over {a['processes']} processes; {_tiles(a['output'])}; root {a['output'].get('root_centre_offset_m')} m "
            "from the city's centre"
        )
    if "citytwin" not in r:
        for note in r["notes"]:
            print(f"  note: {note}")
        return
    small, large = r["citytwin"]["small"], r["citytwin"]["large"]
    anchor = r["py3dtiles"]["runs"][r["py3dtiles"]["anchor_spec_version"]]
    print(
        f"scene_package/speed: export_scene_package {small['wall_s']} s (in process {small['export_s']} s, "
        f"{small['points_per_s'] / 1e6:.2f} Mpt/s) vs py3dtiles {anchor['wall_s']:.1f} s -> {r['speedup']}x "
        f"(target >= {SPEED_TARGET:g}x) {_mark(r['meets']['speedup'])}; {_tiles(small['output'])}; root "
        f"{small['output'].get('root_centre_offset_m')} m from the city's centre"
    )
    print(
        f"scene_package/memory: peak {small['peak_mb']} MB for {n['small']:,} points vs {large['peak_mb']} MB for "
        f"{n['large']:,} -> {r['memory_ratio']}x (target <= {MEMORY_TARGET}x) {_mark(r['meets']['flat_memory'])}; "
        f"py3dtiles {anchor['tree_peak_pss_mb']:.0f} MB over its processes"
    )
    print(
        f"scene_package/like with like: same points {_mark(r['meets']['same_points'])}, "
        f"same place {_mark(r['meets']['same_place'])}"
    )
    for note in r["notes"]:
        print(f"  note: {note}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M/2M points, a smoke run")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each side and size (best kept)")
    parser.add_argument("--budget", type=int, help="point_budget of the export (default: the exporter's own)")
    parser.add_argument(
        "--spec-version", choices=SPEC_VERSIONS, help="only this 3D Tiles version for py3dtiles (default: both)"
    )
    parser.add_argument("--child")
    parser.add_argument("--path")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.child:
        _child_export(args.path, args.out, args.budget)
        return {}
    sizes = (1_000_000, 2_000_000) if args.quick else (10_000_000, 20_000_000)
    specs = (args.spec_version,) if args.spec_version else SPEC_VERSIONS
    report = {"benchmark": "scene_package", **run(sizes, args.budget, specs, args.repeats)}
    print_report(report)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
