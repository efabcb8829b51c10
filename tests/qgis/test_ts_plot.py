"""The time-series plot dock on real PyQGIS widgets, offscreen: a real mouse click on the map
canvas picks a PS point of the sample city's EGMS L3 product (a GeoPackage with D_YYYYMMDD
fields in EPSG:4326, the map in EPSG:4548), the plotted model and residuals are checked
against independent least-squares fits, overlay, clear, exports, bad layers, unload."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
from matplotlib.colors import to_hex
from qgis.core import QgsCoordinateReferenceSystem, QgsFeature, QgsField, QgsPointXY, QgsRectangle, QgsVectorLayer
from qgis.PyQt.QtCore import QPoint, Qt, QVariant
from qgis.PyQt.QtTest import QTest

MAP_CRS = "EPSG:4548"
EGMS_L3: Path | None = None  # the generated sample city's files, set by _sample_files
TRUTH: Path | None = None


@pytest.fixture(scope="module", autouse=True)
def _sample_files(sample_city):
    global EGMS_L3, TRUTH
    EGMS_L3, TRUTH = sample_city.files["ps"][0], sample_city.truth


@pytest.fixture(scope="module")
def ps_data():
    """The sample L3 product read by the core reader, with its positions in the map CRS."""
    import pyproj

    from citytwin.layers.insar import read_egms_csv

    dataset = read_egms_csv(EGMS_L3)
    to_map = pyproj.Transformer.from_crs(4326, 4548, always_xy=True)
    x, y = to_map.transform(dataset.points.geometry.x.to_numpy(), dataset.points.geometry.y.to_numpy())
    return dataset, np.asarray(x), np.asarray(y)


@pytest.fixture(scope="module")
def ps_gpkg(ps_data, tmp_path_factory):
    """The product as a GeoPackage point layer with D_YYYYMMDD fields (as InSAR viewers read)."""
    dataset, _x, _y = ps_data
    frame = dataset.points.copy()
    for k, date in enumerate(dataset.dates):
        frame["D_" + np.datetime_as_string(date).replace("-", "")] = dataset.displacement[:, k]
    path = tmp_path_factory.mktemp("ps") / "egms_l3.gpkg"
    frame.to_file(path, layer="egms_l3", driver="GPKG")
    return path


@pytest.fixture
def ps_layer(project, ps_gpkg):
    layer = QgsVectorLayer(f"{ps_gpkg}|layername=egms_l3", "EGMS L3 vertical", "ogr")
    assert layer.isValid()
    project.addMapLayer(layer)
    return layer


@pytest.fixture
def dock(iface, project, ps_layer):
    from citytwin.ui.ts_plot import TimeSeriesPlotDock

    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    iface.mainWindow().show()
    iface.setActiveLayer(ps_layer)
    widget = TimeSeriesPlotDock(iface, iface.mainWindow())
    widget.show()
    yield widget
    widget.close_plot()
    widget.setParent(None)
    widget.deleteLater()


def bowl_centre() -> tuple[float, float]:
    bowl = json.loads(TRUTH.read_text(encoding="utf-8"))["bowl"]
    return bowl["x"], bowl["y"]


def click_on_map(iface, x: float, y: float, offset_px: int = 1) -> None:
    """Zoom the map to 120 m around (x, y) and left-click there with the mouse (QTest)."""
    canvas = iface.mapCanvas()
    canvas.setExtent(QgsRectangle(x - 60, y - 60, x + 60, y + 60))
    canvas.refresh()
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    position = QPoint(round(pixel.x()) + offset_px, round(pixel.y()))
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)


def years(dates):
    return (dates - dates[0]).astype(float) / 365.25


def straight_line(dates, values):
    """Independent fit: numpy.polyfit over the epochs with a value."""
    ok = ~np.isnan(values)
    slope, intercept = np.polyfit(years(dates)[ok], values[ok].astype(np.float64), 1)
    return slope, intercept


def test_a_click_plots_the_nearest_point_with_model_and_residuals(dock, iface, ps_data, events):
    dataset, x, y = ps_data
    bx, by = bowl_centre()
    k = int(np.argmin(np.hypot(x - bx, y - by)))  # the scatterer at the bottom of the bowl
    pid = dataset.points["pid"].iloc[k]
    dock.activate_pick_tool()
    assert iface.mapCanvas().mapTool() is dock.tool and dock.pick_button.isChecked()
    click_on_map(iface, x[k], y[k])
    events()
    assert [entry.fit.series.label for entry in dock.shown] == [pid]
    series = dataset.displacement[k].astype(np.float64)
    slope, intercept = straight_line(dataset.dates, series)
    assert slope < -30  # the bowl: about -45 mm/yr at its centre
    fit = dock.shown[0].fit
    assert fit.velocity == pytest.approx(slope, rel=1e-9)
    lines = dock.artists[pid]
    # The plotted model: a daily curve whose slope is that velocity, through the line's values.
    model_x = np.asarray(lines["model"].get_xdata(), dtype="datetime64[D]")
    model_y = np.asarray(lines["model"].get_ydata(), dtype=np.float64)
    assert model_x[0] == dataset.dates[0] and model_x[-1] == dataset.dates[-1] and model_x.size > 1000
    np.testing.assert_allclose(model_y, slope * (model_x - model_x[0]).astype(float) / 365.25 + intercept, atol=1e-6)
    # Observations are the file's values; the residual line is observation − model.
    observed = ~np.isnan(series)
    np.testing.assert_allclose(lines["observations"].get_ydata(), series[observed])
    residual_x = np.asarray(lines["residual"].get_xdata(), dtype="datetime64[D]")
    assert residual_x.tolist() == dataset.dates[observed].tolist()
    expected = series[observed] - (slope * years(dataset.dates)[observed] + intercept)
    np.testing.assert_allclose(lines["residual"].get_ydata(), expected, atol=1e-6)
    assert fit.rmse == pytest.approx(np.sqrt(np.mean(expected**2)), rel=1e-9)
    legend = [text.get_text() for text in dock.axes_series.get_legend().get_texts()]
    assert legend == [f"{pid}: v = {slope:.2f} ± {fit.velocity_sd:.2f} mm/yr, RMSE {fit.rmse:.2f} mm"]
    assert dock.axes_series.get_ylabel() == "Displacement (mm)" and dock.axes_residual.get_ylabel() == "Residual\n(mm)"
    assert pid in dock.message.text()


def test_a_click_away_from_every_point_says_so(dock, iface, ps_data):
    _dataset, x, y = ps_data
    dock.activate_pick_tool()
    click_on_map(iface, x.max() + 500.0, y.max() + 500.0)
    assert dock.shown == [] and "No point" in dock.message.text()


def test_overlay_adds_curves_and_clear_removes_them(dock, iface, ps_data, events):
    dataset, x, y = ps_data
    bx, by = bowl_centre()
    distance = np.hypot(x - bx, y - by)
    near, far = int(np.argmin(distance)), int(np.argmax(distance))
    dock.activate_pick_tool()
    click_on_map(iface, x[near], y[near])
    click_on_map(iface, x[far], y[far])
    assert len(dock.shown) == 1  # without Overlay the second point replaces the first
    dock.overlay_check.setChecked(True)
    click_on_map(iface, x[near], y[near])
    click_on_map(iface, x[far], y[far])  # picked again: updated, not doubled
    events()
    labels = [entry.fit.series.label for entry in dock.shown]
    assert labels == [dataset.points["pid"].iloc[far], dataset.points["pid"].iloc[near]]
    assert len(dock.axes_series.get_lines()) == 4  # observations + model per point
    colours = {dock.artists[label]["model"].get_color() for label in labels}
    assert len(colours) == 2
    velocities = [entry.fit.velocity for entry in dock.shown]
    assert velocities[1] < velocities[0] - 20  # the bowl's point sinks much faster than the far one
    assert len(dock.axes_series.get_legend().get_texts()) == 2
    # Each plotted point is ringed on the map in the colour of its curve.
    centres = [(m.center().x(), m.center().y()) for m in dock.markers]
    np.testing.assert_allclose(centres, [(x[far], y[far]), (x[near], y[near])], atol=0.01)
    curve_colours = [to_hex(dock.artists[label]["model"].get_color()) for label in labels]
    assert [m.color().name() for m in dock.markers] == curve_colours
    dock.clear()
    assert dock.markers == []
    assert dock.shown == [] and dock.axes_series.get_lines() == []
    assert len(dock.axes_residual.get_lines()) == 1  # only the zero line
    assert not dock.png_button.isEnabled() and not dock.csv_button.isEnabled()


def test_ticked_terms_refit_against_an_independent_least_squares(dock, ps_layer, ps_data):
    dataset, _x, _y = ps_data
    k = 5
    feature = next(f for f in ps_layer.getFeatures() if f["pid"] == dataset.points["pid"].iloc[k])
    assert dock.show_feature(ps_layer, feature)
    dock.annual_check.setChecked(True)  # refits what is on the plot
    fit = dock.shown[0].fit
    assert fit.terms.annual and fit.terms.velocity
    series = dataset.displacement[k].astype(np.float64)
    ok = ~np.isnan(series)
    t = years(dataset.dates)
    tau = (dataset.dates - np.datetime64("2022-01-01")).astype(float) / 365.25
    g = np.column_stack([np.ones_like(t), t, np.cos(2 * np.pi * tau), np.sin(2 * np.pi * tau)])
    beta = scipy.linalg.lstsq(g[ok], series[ok])[0]
    assert fit.velocity == pytest.approx(beta[1], rel=1e-9)
    np.testing.assert_allclose(fit.model, g @ beta, atol=1e-6)
    assert "annual" in dock.axes_series.get_title()


def test_a_fit_result_layer_brings_its_own_model(dock, project, ps_data):
    from citytwin.processing.timeseries import ModelTerms, output_fields

    dataset, _x, _y = ps_data
    terms = ModelTerms(velocity=True, acceleration=True)
    layer = QgsVectorLayer("Point?crs=EPSG:4548", "fitted", "memory")
    fields = [QgsField("pid", QVariant.String)]
    for name, _unit, _text in output_fields(terms):
        fields.append(QgsField(name, QVariant.String if name == "fit_flag" else QVariant.Double))
    date_names = ["D_" + np.datetime_as_string(d).replace("-", "") for d in dataset.dates]
    fields += [QgsField(name, QVariant.Double) for name in date_names]
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    feature = QgsFeature(layer.fields())
    feature["pid"] = "F1"
    for name, value in zip(date_names, dataset.displacement[3].astype(float)):
        feature[name] = None if np.isnan(value) else float(value)
    layer.dataProvider().addFeatures([feature])
    project.addMapLayer(layer)
    dock.layer_combo.setLayer(layer)
    assert dock.acceleration_check.isChecked() and not dock.acceleration_check.isEnabled()
    assert not dock.annual_check.isChecked()
    assert dock.show_feature(layer, next(layer.getFeatures()))
    fit = dock.shown[0].fit
    assert fit.terms == terms
    t = years(dataset.dates)
    series = dataset.displacement[3].astype(np.float64)
    ok = ~np.isnan(series)
    coefficients = np.polyfit(t[ok], series[ok], 2)  # d = c + v t + (a/2) t²
    assert fit.velocity == pytest.approx(coefficients[1], rel=1e-6)
    assert fit.coefficients[2] == pytest.approx(2 * coefficients[0], rel=1e-6)


def test_exports_png_and_csv(dock, ps_layer, ps_data, tmp_path):
    dataset, _x, _y = ps_data
    dock.overlay_check.setChecked(True)
    chosen = [2, 40]
    for k in chosen:
        feature = next(f for f in ps_layer.getFeatures() if f["pid"] == dataset.points["pid"].iloc[k])
        assert dock.show_feature(ps_layer, feature)
    png = dock.export_png(tmp_path / "plot.png")
    from matplotlib.image import imread

    pixels = imread(png)[..., :3]
    assert pixels.shape[:2] == (975, 1500)
    grey = pixels.mean(axis=2)
    assert grey.std() > 0.05 and (grey < 0.5).mean() > 0.002  # drawn lines and text, not a blank page
    assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
    table = pd.read_csv(dock.export_csv(tmp_path / "series.csv"), dtype={"pid": str})
    assert list(table.columns) == ["pid", "date", "displacement_mm", "model_mm", "residual_mm"]
    assert len(table) == len(chosen) * dataset.n_dates
    for n, k in enumerate(chosen):
        part = table.iloc[n * dataset.n_dates : (n + 1) * dataset.n_dates]
        assert set(part["pid"]) == {dataset.points["pid"].iloc[k]}
        assert pd.to_datetime(part["date"]).dt.date.tolist() == dataset.dates.astype(object).tolist()
        series = dataset.displacement[k].astype(np.float64)
        np.testing.assert_allclose(part["displacement_mm"], series, rtol=1e-6, equal_nan=True)
        slope, intercept = straight_line(dataset.dates, series)
        np.testing.assert_allclose(part["model_mm"], slope * years(dataset.dates) + intercept, atol=1e-6)
        np.testing.assert_allclose(
            part["residual_mm"], series - (slope * years(dataset.dates) + intercept), atol=1e-6, equal_nan=True
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "series.csv"]  # no temp files


def test_a_layer_without_dates_and_a_point_without_values_give_messages(dock, iface, project):
    plain = QgsVectorLayer("Point?crs=EPSG:4548&field=name:string&field=height:double", "no dates", "memory")
    feature = QgsFeature(plain.fields())
    feature.setAttributes(["a", 3.0])
    plain.dataProvider().addFeatures([feature])
    project.addMapLayer(plain)
    dock.layer_combo.setLayer(plain)
    assert "no displacement fields" in dock.message.text() and "D_YYYYMMDD" in dock.message.text()
    assert dock.pick_at(QgsPointXY(449_660.0, 4_417_580.0)) is False
    assert dock.show_feature(plain, next(plain.getFeatures())) is False
    assert "no displacement fields" in dock.message.text() and dock.shown == []

    empty = QgsVectorLayer("Point?crs=EPSG:4548&field=pid:string&field=D_20220103:double&field=D_20220115:double",
                           "empty", "memory")  # fmt: skip
    feature = QgsFeature(empty.fields())
    feature.setAttributes(["E1", None, None])
    empty.dataProvider().addFeatures([feature])
    project.addMapLayer(empty)
    dock.layer_combo.setLayer(empty)
    assert dock.show_feature(empty, next(empty.getFeatures())) is False
    assert "E1 has no displacement values" in dock.message.text()


def test_plugin_action_opens_the_dock_and_unload_releases_everything(iface, project, ps_layer, ps_data, events):
    from qgis.gui import QgsVertexMarker
    from qgis.PyQt import sip
    from qgis.PyQt.QtWidgets import QDockWidget

    import citytwin

    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    iface.mainWindow().show()
    plugin = citytwin.classFactory(iface)
    plugin.initGui()
    try:
        assert plugin.ts_plot is None  # created on first use (matplotlib loads then)
        iface.setActiveLayer(ps_layer)
        plugin.ts_plot_action.trigger()
        events()
        dock = plugin.ts_plot
        assert dock is not None and not dock.isHidden()
        assert canvas.mapTool() is dock.tool and plugin.ts_plot_action.isChecked()
        assert dock.current_layer() is ps_layer
        _dataset, x, y = ps_data
        click_on_map(iface, x[0], y[0])
        assert len(dock.shown) == 1 and len(dock.markers) == 1
        tool, figure_canvas, action = dock.tool, dock.plot_canvas, plugin.ts_plot_action
        connections = dock.connections().snapshot()
        assert connections
    finally:
        plugin.unload()
        events()
    assert canvas.mapTool() is None
    assert not [item for item in canvas.scene().items() if isinstance(item, QgsVertexMarker)]
    assert sip.isdeleted(tool) and sip.isdeleted(dock) and sip.isdeleted(figure_canvas) and sip.isdeleted(action)
    assert not [d for d in iface.mainWindow().findChildren(QDockWidget) if d.objectName().startswith("CityTwin")]
    for signal, slot in connections:
        with pytest.raises(TypeError):
            signal.disconnect(slot)
