"""Frames written to Processing sinks: what a cancel or a failure part-way leaves behind."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
)

from citytwin.common.errors import Canceled
from citytwin.processing.qgis_frames import write_frame


class CancelOnSecondLook(QgsProcessingFeedback):
    """Not canceled when the write starts, canceled at its next check (5 000 features on)."""

    def __init__(self):
        super().__init__()
        self.looks = 0

    def isCanceled(self):
        self.looks += 1
        return self.looks > 1


def _frame(n: int = 12_000) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    return gpd.GeoDataFrame(
        {"id": np.arange(n), "value": rng.normal(size=n)},
        geometry=gpd.points_from_xy(rng.uniform(0, 1000, n), rng.uniform(0, 1000, n)),
        crs="EPSG:4548",
    )


@pytest.fixture
def algorithm(provider_registered):
    # Any CityTwin algorithm with a feature sink called OUTPUT.
    return QgsApplication.processingRegistry().algorithmById("citytwin:fittimeseries")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_a_cancel_part_way_removes_the_file_it_created(algorithm, tmp_path, suffix):
    (tmp_path / "other.dbf").write_bytes(b"not ours")
    out = tmp_path / f"points{suffix}"
    feedback = CancelOnSecondLook()
    with pytest.raises(Canceled):
        write_frame(algorithm, {"OUTPUT": str(out)}, "OUTPUT", QgsProcessingContext(), _frame(), feedback)
    assert feedback.looks == 2  # canceled after 5 000 features were written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.dbf"]

    # The same write without a cancel gives every feature.
    write_frame(algorithm, {"OUTPUT": str(out)}, "OUTPUT", QgsProcessingContext(), _frame(), QgsProcessingFeedback())
    written = pyogrio.read_dataframe(out)
    assert len(written) == 12_000 and written["id"].tolist() == list(range(12_000))


def test_a_cancel_never_removes_a_file_that_was_there(algorithm, tmp_path):
    """A new layer in an existing GeoPackage: the file and its other layers stay."""
    base = tmp_path / "base.gpkg"
    _frame(10).to_file(base, layer="keep", driver="GPKG")
    target = QgsProcessingOutputLayerDefinition(f"ogr:dbname='{base}' table=\"added\" (geom)")
    with pytest.raises((Canceled, QgsProcessingException)):
        write_frame(algorithm, {"OUTPUT": target}, "OUTPUT", QgsProcessingContext(), _frame(), CancelOnSecondLook())
    assert base.exists()
    assert len(pyogrio.read_dataframe(base, layer="keep")) == 10
