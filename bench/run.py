"""Run CityTwin's benchmarks; each prints ratios against anchors measured in the same run.

Results are also written to ``bench/results/<name>.json``. Select benchmarks by
name (``bench/run.py plugin_startup``); default: all.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("plugin_startup", "ingest", "pointcloud", "subsidence", "carbon", "scene_package", "navcomm")


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"citytwin_bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    names = [arg for arg in sys.argv[1:] if not arg.startswith("-")] or list(BENCHMARKS)
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    failures = []
    for name in names:
        report = load(name).main([])
        (results_dir / f"{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        if not report.get("meets_target", True):
            failures.append(name)
    if failures:
        print(f"targets missed: {', '.join(failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
