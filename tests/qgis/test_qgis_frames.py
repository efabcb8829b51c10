"""Frames written to Processing sinks: what a cancel or a failure part-way leaves behind."""

from __future__ import annotations

import os
from pathlib import Path

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
    QgsProject,
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
def test_a_cancel_part_way_removes_the_file_it_created(algorithm, tmp_path, suffix, monkeypatch):
    from citytwin.processing import qgis_frames

    open_at_removal = []
    remove = qgis_frames._remove_new_file

    def watched(created, dest):
        # Windows cannot remove an open file: the writer must be closed by now.
        fds = Path("/proc/self/fd").iterdir()
        open_at_removal.extend(p for p in map(os.path.realpath, fds) if p.startswith(str(tmp_path)))
        remove(created, dest)

    monkeypatch.setattr(qgis_frames, "_remove_new_file", watched)
    (tmp_path / "other.dbf").write_bytes(b"not ours")
    out = tmp_path / f"points{suffix}"
    feedback = CancelOnSecondLook()
    with pytest.raises(Canceled):
        write_frame(algorithm, {"OUTPUT": str(out)}, "OUTPUT", QgsProcessingContext(), _frame(), feedback)
    assert feedback.looks == 2  # canceled after 5 000 features were written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.dbf"]
    assert open_at_removal == []

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


def test_a_temporary_output_from_the_dialog_is_loaded_once(algorithm, tmp_path):
    """The dialog passes an output definition: finding the file to guard must not register
    a second layer to load (whose made-up file would be reported as not generated)."""
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    target = QgsProcessingOutputLayerDefinition("TEMPORARY_OUTPUT", QgsProject.instance())
    dest = write_frame(algorithm, {"OUTPUT": target}, "OUTPUT", context, _frame(100), QgsProcessingFeedback())
    to_load = context.layersToLoadOnCompletion()
    assert list(to_load) == [dest]
