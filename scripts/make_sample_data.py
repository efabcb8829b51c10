"""`make sample-data`: write CityTwin's synthetic sample city (default demo/sample_city/)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "pkgroot"))  # the checkout as the package `citytwin`


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default=str(ROOT / "demo" / "sample_city"))
    parser.add_argument("--seed", type=int, default=20240315)
    parser.add_argument("--small", action="store_true", help="a lighter city (coarser lidar, shorter drives)")
    args = parser.parse_args()
    link = ROOT / "build" / "pkgroot" / "citytwin"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..") / "..", target_is_directory=True)
    from citytwin.layers.samplecity import generate_sample_city

    start = time.perf_counter()
    result = generate_sample_city(args.folder, seed=args.seed, small=args.small)
    count = sum(len(paths) for paths in result.files.values())
    print(f"sample city: {count} source files in {result.folder} ({time.perf_counter() - start:.1f} s)")
    print(f"base description: {result.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
