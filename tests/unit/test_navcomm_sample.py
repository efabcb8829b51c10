"""Navigation on the sample city (acceptance 2 of issue 8): the twin's DSM, made from the
sample city's own lidar, explains the receiver's C/N0.

The sample city's generator decides LOS by tracing rays against its building boxes and
gives reflected (NLOS) signals 8-18 dB less C/N0 (``layers/samplecity/sky.py``). Here the
NMEA logs are classified against a DSM built from the LAZ at 2 m — a different model of the
same city — so NLOS satellites must come out clearly weaker, and the classification must
agree with the generator's ray-traced truth for most satellites.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citytwin.processing.navcomm.gnss_los import LOS, NLOS, classify_log
from citytwin.processing.navcomm.surface import Surface

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def city_base(tmp_path_factory):
    from citytwin.layers.samplecity import generate_sample_city
    from citytwin.twin.terrain import surfaces_from_file

    city = generate_sample_city(tmp_path_factory.mktemp("city"), small=True)
    surfaces = surfaces_from_file(city.files["pointcloud"][0], cell_size=2.0)
    return city, Surface.from_terrain(surfaces, "dsm"), Surface.from_terrain(surfaces, "dtm")


@pytest.fixture(scope="module")
def classified(city_base):
    city, dsm, dtm = city_base
    return [(path, classify_log(path, dsm, dtm)) for path in city.files["nmea"]]


def test_nlos_satellites_are_weaker_than_los_ones(classified):
    for path, result in classified:
        summary = result.summary
        print(
            f"{path.name}: {summary['n_los']} LOS at {summary['cn0_los_dbhz']:.1f} dB-Hz, "
            f"{summary['n_nlos']} NLOS at {summary['cn0_nlos_dbhz']:.1f} dB-Hz"
        )
        assert summary["n_nlos"] > 0.05 * summary["n_los"]  # the drive does meet urban canyons
        assert summary["cn0_difference_db"] > 5.0
        for name in ("GPS", "BeiDou"):
            entry = summary["constellations"][name]
            assert entry["cn0_los_dbhz"] - entry["cn0_nlos_dbhz"] > 3.0


def test_classification_agrees_with_the_generators_ray_tracing(classified, city_base):
    city = city_base[0]
    for path, result in classified:
        label = path.stem.split("_", 1)[1]
        truth = pd.read_csv(city.folder / "truth" / f"gnss_{label}.csv", parse_dates=["time"])
        sats = result.satellites[result.satellites["status"].isin([LOS, NLOS])]
        merged = sats.merge(
            truth.rename(columns={"los": "truth_los"}), on=["time", "constellation", "prn"], suffixes=("", "_truth")
        )
        assert len(merged) > 0.9 * len(sats)
        # Truth uses the true position, the log the receiver's (noisy, NLOS-biased) fix, and GSV
        # rounds angles to whole degrees: near the roof line the two can differ.
        clear = merged["margin_deg"].abs() > 2.0
        agree = (merged["los"].astype(bool) == merged["truth_los"].astype(bool))[clear]
        print(f"{path.name}: agreement {agree.mean():.1%} on {clear.sum()} satellites clear of the roof line")
        assert agree.mean() > 0.85


def test_los_only_hdop_is_never_better_than_all_in_view(classified):
    for _, result in classified:
        epochs = result.epochs
        both = np.isfinite(epochs["hdop_los"]) & np.isfinite(epochs["hdop_all"])
        assert both.sum() > 0.5 * len(epochs)
        assert (epochs.loc[both, "hdop_los"] >= epochs.loc[both, "hdop_all"] - 1e-9).all()
