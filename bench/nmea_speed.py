"""NMEA reading speed: CityTwin's ``read_nmea`` against pynmea2 on the same log.

CityTwin's time covers everything: reading the file, verifying every checksum, parsing
GGA/RMC/GSA/GSV and assembling epochs and the satellite table. The pynmea2 baseline does
less: ``pynmea2.parse(line, check=True)`` on each line, errors skipped, no epochs.

Target: CityTwin reads at least 3x as many sentences per second.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
DEFAULT_EPOCHS = 100_000


def _import_citytwin():
    """Make the checkout importable as ``citytwin`` (as tests/conftest.py does); return its nmea module."""
    from benchkit import import_citytwin

    import_citytwin()
    from citytwin.layers import nmea

    return nmea


def _ddmm(degrees: float, width: int) -> str:
    whole = int(abs(degrees))
    return f"{whole:0{width}d}{(abs(degrees) - whole) * 60:07.4f}"


def write_test_log(path: Path, epochs: int) -> Path:
    """Write a realistic multi-constellation receiver log: 1 Hz, crossing midnight and a year end.

    Each epoch: GNGGA, GNRMC, two GNGSA (NMEA 4.10 system ids GPS and BeiDou), GPGSV with
    signal ids (10 GPS satellites, 3 sentences), BDGSV without (12 BeiDou satellites, 3
    sentences) and a GPVTG, about 11 lines. A vehicle drives east through Beijing.
    """
    nmea = _import_citytwin()
    fmt = nmea.format_sentence
    rng = np.random.default_rng(2024)
    start = dt.datetime(2023, 12, 31, 23, 30, 0, tzinfo=dt.timezone.utc)
    gps = [(prn, rng.uniform(5, 85), rng.uniform(0, 360)) for prn in (1, 3, 6, 8, 11, 14, 17, 19, 22, 28)]
    beidou = [(prn, rng.uniform(5, 85), rng.uniform(0, 360)) for prn in range(1, 13)]
    cn0 = rng.normal(40, 6, size=(epochs, len(gps) + len(beidou))).round()
    cn0[rng.random(cn0.shape) < 0.05] = np.nan  # some satellites not tracked
    lines = []
    with path.open("w", encoding="ascii", newline="") as handle:
        for i in range(epochs):
            now = start + dt.timedelta(seconds=i)
            hhmmss = now.strftime("%H%M%S") + ".00"
            ddmmyy = now.strftime("%d%m%y")
            lat, lon = 39.9042 + 1e-6 * math.sin(i / 300), 116.3 + 1e-5 * i
            lat_s, lon_s = _ddmm(lat, 2), _ddmm(lon, 3)
            alt = f"{45 + 3 * math.sin(i / 60):.1f}"
            lines.append(
                fmt("GN", "GGA", [hhmmss, lat_s, "N", lon_s, "E", 1, 18, "0.7", alt, "M", "-8.9", "M", None, None])
            )
            lines.append(
                fmt("GN", "RMC", [hhmmss, "A", lat_s, "N", lon_s, "E", "21.6", "90.0", ddmmyy, None, None, "A", "V"])
            )
            lines.append(
                fmt("GN", "GSA", ["A", 3, *[p for p, _, _ in gps[:8]], None, None, None, None, "1.3", "0.7", "1.1", 1])
            )
            lines.append(
                fmt("GN", "GSA", ["A", 3, *[p for p, _, _ in beidou[:10]], None, None, "1.3", "0.7", "1.1", 4])
            )
            drift = i / 3600
            for talker, sky, offset, signal in (("GP", gps, 0, 1), ("BD", beidou, len(gps), None)):
                groups = [sky[k : k + 4] for k in range(0, len(sky), 4)]
                for number, group in enumerate(groups, start=1):
                    fields: list = [len(groups), number, len(sky)]
                    for j, (prn, elevation, azimuth) in enumerate(group):
                        snr = cn0[i, offset + 4 * (number - 1) + j]
                        fields += [
                            f"{prn:02d}",
                            f"{(elevation + drift) % 90:.0f}",
                            f"{(azimuth + 4 * drift) % 360:03.0f}",
                            None if np.isnan(snr) else f"{snr:.0f}",
                        ]
                    if signal is not None:
                        fields.append(signal)
                    lines.append(fmt(talker, "GSV", fields))
            lines.append(fmt("GP", "VTG", ["90.0", "T", None, "M", "21.6", "N", "40.0", "K", "A"]))
            if len(lines) >= 10_000:
                handle.write("\r\n".join(lines) + "\r\n")
                lines.clear()
        if lines:
            handle.write("\r\n".join(lines) + "\r\n")
    return path


def measure(path: Path, repeats: int = 3) -> dict:
    """Time CityTwin and pynmea2 reading ``path``, best of ``repeats`` alternating runs each.

    Runs alternate (CityTwin, pynmea2, CityTwin, ...) so that load from other processes
    hits both sides alike.

    Returns
    -------
    dict
        ``sentences`` (non-blank lines), ``citytwin_s``, ``pynmea2_s``, sentences per
        second of each, and ``ratio`` (CityTwin's speed-up over pynmea2).
    """
    import pynmea2

    nmea = _import_citytwin()
    citytwin_s = pynmea2_s = math.inf
    sentences = 0
    for _ in range(repeats):
        started = time.perf_counter()
        log = nmea.read_nmea(path)
        citytwin_s = min(citytwin_s, time.perf_counter() - started)
        sentences = log.report.rows

        started = time.perf_counter()
        with path.open(encoding="ascii", errors="replace") as handle:
            for line in handle:
                with contextlib.suppress(pynmea2.ParseError, ValueError):
                    pynmea2.parse(line, check=True)
        pynmea2_s = min(pynmea2_s, time.perf_counter() - started)
    return {
        "sentences": sentences,
        "citytwin_s": round(citytwin_s, 3),
        "pynmea2_s": round(pynmea2_s, 3),
        "citytwin_sentences_per_s": round(sentences / citytwin_s),
        "pynmea2_sentences_per_s": round(sentences / pynmea2_s),
        "ratio": round(pynmea2_s / citytwin_s, 2),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=int, default=DEFAULT_EPOCHS, help=f"epochs in the log (default {DEFAULT_EPOCHS:,})"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per reader, best kept (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citytwin-bench-") as tmp:
        path = write_test_log(Path(tmp) / "drive.nmea", args.epochs)
        result = measure(path, repeats=args.repeats)
        result["file_mb"] = round(path.stat().st_size / 1e6, 1)
    report = {
        "benchmark": "nmea_speed",
        "epochs": args.epochs,
        **result,
        "target_ratio_at_least": TARGET_RATIO,
        "meets_target": result["ratio"] >= TARGET_RATIO,
    }
    print(
        f"nmea_speed: {result['sentences']:,} sentences ({report['file_mb']} MB): "
        f"CityTwin {result['citytwin_s']:.2f} s ({result['citytwin_sentences_per_s']:,}/s), "
        f"pynmea2 {result['pynmea2_s']:.2f} s ({result['pynmea2_sentences_per_s']:,}/s), "
        f"ratio {result['ratio']:.1f}x (target >= {TARGET_RATIO:.0f}x)"
    )
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
