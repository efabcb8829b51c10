"""Real-scene 3D benchmarks in one run (issue acceptance 5): reading and building heights.

- :mod:`pointcloud_read`: read + decimate a generated 10M-point LAS and LAZ to a 2M budget
  against laspy's bare read of the same file (target <= 1.3x), and peak memory of a 20M
  file against the 10M one at the same budget (target <= 1.15x).
- :mod:`building_heights`: heights of 20k footprints from about 10M points against
  ``geopandas.sjoin`` + ``groupby`` on the same points (target >= 10x faster, same heights).

Each part measures its anchors in the same run, in child processes; see their modules.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"citytwin_bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> dict:
    args = ["--quick"] if argv and "--quick" in argv else []
    read = _load("pointcloud_read").main(args)
    heights = _load("building_heights").main(args)
    met = bool(read["meets_target"] and heights["meets_target"])
    print(f"pointcloud: {'all targets met' if met else 'targets missed (see above)'}")
    return {"benchmark": "pointcloud", "read": read, "building_heights": heights, "meets_target": met}


if __name__ == "__main__":
    main(sys.argv[1:])
