"""BeiDou grid location codes (GB/T 39409-2020): codes per second for 1M points at level 10.

Points: 1,000,000 (``--quick``: 100,000) uniform random longitudes in -180..180 and
latitudes in -87.99..87.99 (every hemisphere, every zone), seeded, plus heights of
-500..10,000 m for the 3D codes. Timed, best of ``repeats`` runs each:

- ``encode_many`` (2D, level 10): NumPy integer arithmetic on 1/2048" units into a
  fixed-width character array, then Python strings; also the character array alone
  (``encode_chars``), which is what a caller writing bytes to a file would use;
- ``decode_many``: the same codes back to cell edges (arrays);
- ``encode_many_3d``: 32-character codes with the height;
- the anchor, measured in the same run: the one-point ``encode`` in a Python loop over a
  sample of 20,000 points (the way a plugin without the vectorised path would do it).

Checks (not timed): on the sample, every vectorised 2D and 3D code equals the one-point
code, and every decoded cell equals ``decode`` of the code. Target: at least 1,000,000
codes/s for ``encode_many`` at level 10 on this machine kind (2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET_CODES_PER_S = 1_000_000
SAMPLE = 20_000


def _best(function, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def beidou_section(quick: bool, repeats: int = 3) -> dict:
    """Time BeiDou grid coding (see the module docstring); returns the report as a dict."""
    from benchkit import import_citytwin

    import_citytwin()
    from citytwin.processing import beidou_grid as bg
    from citytwin.processing.beidou_arrays import encode_chars

    n = 100_000 if quick else 1_000_000
    level = 10
    rng = np.random.default_rng(39409)
    lon = rng.uniform(-180.0, 180.0, n)
    lat = rng.uniform(-87.99, 87.99, n)
    height = rng.uniform(-500.0, 10_000.0, n)

    t_encode, codes = _best(lambda: bg.encode_many(lon, lat, level), repeats)
    t_chars, _ = _best(lambda: encode_chars(lon, lat, level), repeats)
    t_decode, cells = _best(lambda: bg.decode_many(codes), repeats)
    t_3d, codes_3d = _best(lambda: bg.encode_many_3d(lon, lat, height, level), repeats)
    sample = np.arange(min(SAMPLE, n))
    t_loop, loop_codes = _best(lambda: [bg.encode(lon[i], lat[i], level) for i in sample.tolist()], 1)

    matches = loop_codes == codes[: sample.size]
    matches_3d = all(bg.encode_3d(lon[i], lat[i], height[i], level) == codes_3d[i] for i in sample.tolist())
    decoded = [bg.decode(codes[i]) for i in sample.tolist()]
    matches_decode = all(
        (d.west, d.south, d.east, d.north) == tuple(cells[k][i] for k in ("west", "south", "east", "north"))
        for i, d in zip(sample.tolist(), decoded)
    )
    rate = n / t_encode
    report = {
        "points": n,
        "level": level,
        "encode_many_codes_per_s": round(rate),
        "encode_chars_codes_per_s": round(n / t_chars),
        "decode_many_codes_per_s": round(n / t_decode),
        "encode_many_3d_codes_per_s": round(n / t_3d),
        "one_point_loop_codes_per_s": round(sample.size / t_loop),
        "ratio_encode_many_to_loop": round(rate / (sample.size / t_loop), 1),
        "sample_checked": int(sample.size),
        "sample_2d_equal_to_encode": bool(matches),
        "sample_3d_equal_to_encode_3d": bool(matches_3d),
        "sample_decode_equal_to_decode": bool(matches_decode),
        "target_codes_per_s": TARGET_CODES_PER_S,
    }
    report["meets_target"] = bool(rate >= TARGET_CODES_PER_S and matches and matches_3d and matches_decode)
    return report


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 points")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    report = beidou_section(args.quick, args.repeats)
    width = max(len(k) for k in report)
    for key, value in report.items():
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        print(f"{key:<{width}}  {shown}")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
