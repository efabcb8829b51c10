"""Default styles of the navigation and communication results: sky view, LOS satellites,
LOS-only HDOP, RSRP bands, and the LOS/NLOS points of a log.

Class breaks follow what the readers use: four LOS satellites is the least for a
position (five with two constellations), HDOP above 5 is "poor" in survey practice, RSRP
bands are the drive-test report's (shared with the drive-test layer's style).
"""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from .qgis_styles import RSRP_BANDS, CityTwinStyles, _marker, _pseudocolor, rsrp_labels

#: Sky-view factor and open-sky share, 0 (enclosed) to 1 (open sky): ColorBrewer Purples.
SKY_STOPS = ((0.0, "#3f007d"), (0.3, "#6a51a3"), (0.5, "#9e9ac8"), (0.7, "#dadaeb"), (1.0, "#fcfbfd"))
#: (upper bound, colour) of LOS satellite counts.
LOS_CLASSES = ((3, "#d7191c"), (5, "#fdae61"), (7, "#ffffbf"), (10, "#a6d96a"), (99, "#1a9641"))
#: (upper bound, colour) of HDOP.
HDOP_CLASSES = ((1.0, "#1a9641"), (2.0, "#a6d96a"), (5.0, "#fdae61"), (20.0, "#d7191c"), (1e9, "#7f0000"))


def _los_labels() -> list[str]:
    return [
        CityTwinStyles.tr("0–3 LOS: no fix"),
        CityTwinStyles.tr("4–5 LOS: marginal"),
        CityTwinStyles.tr("6–7 LOS"),
        CityTwinStyles.tr("8–10 LOS"),
        CityTwinStyles.tr("more than 10 LOS"),
    ]


def _hdop_labels() -> list[str]:
    return [
        CityTwinStyles.tr("HDOP ≤ 1 ideal"),
        CityTwinStyles.tr("HDOP 1–2 excellent"),
        CityTwinStyles.tr("HDOP 2–5 good"),
        CityTwinStyles.tr("HDOP 5–20 poor"),
        CityTwinStyles.tr("HDOP > 20 unusable"),
    ]


def _classed_raster(layer: QgsRasterLayer, classes, labels) -> None:
    """Discrete classes: a cell takes the colour of the first class whose upper bound it does not exceed."""
    items = [
        QgsColorRampShader.ColorRampItem(high, QColor(color), label) for (high, color), label in zip(classes, labels)
    ]
    ramp = QgsColorRampShader(float(classes[0][0]), float(classes[-1][0]))
    ramp.setColorRampType(QgsColorRampShader.Type.Discrete)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    layer.setRenderer(QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader))


def style_sky_raster(layer: QgsRasterLayer) -> None:
    _pseudocolor(layer, SKY_STOPS, fmt=".1f")


def style_los_count_raster(layer: QgsRasterLayer) -> None:
    _classed_raster(layer, LOS_CLASSES, _los_labels())


def style_hdop_raster(layer: QgsRasterLayer) -> None:
    _classed_raster(layer, HDOP_CLASSES, _hdop_labels())


def style_rsrp_raster(layer: QgsRasterLayer) -> None:
    # RSRP_BANDS are (low, high, colour) from the strongest band down; discrete classes want
    # ascending upper bounds.
    classes = [(high, color) for low, high, color in reversed(RSRP_BANDS)]
    classes[-1] = (1e9, classes[-1][1])
    _classed_raster(layer, classes, list(reversed(rsrp_labels())))


def style_gnss_epochs(layer: QgsVectorLayer) -> None:
    """Epochs by their LOS-only HDOP (grey where there was no LOS fix)."""
    ranges = [
        QgsRendererRange(low, high, _marker(color, 2.6), label)
        for (low, (high, color)), label in zip(zip((0.0, 1.0, 2.0, 5.0, 20.0), HDOP_CLASSES), _hdop_labels())
    ]
    renderer = QgsGraduatedSymbolRenderer("hdop_los", ranges)
    layer.setRenderer(renderer)


def style_gnss_satellites(layer: QgsVectorLayer) -> None:
    colors = (
        ("LOS", "#1a9641", CityTwinStyles.tr("LOS")),
        ("NLOS", "#d7191c", CityTwinStyles.tr("NLOS (blocked)")),
        ("", "#bababa", CityTwinStyles.tr("Not classified")),
    )
    categories = [QgsRendererCategory(value, _marker(color, 2.0), label) for value, color, label in colors]
    layer.setRenderer(QgsCategorizedSymbolRenderer("status", categories))


def style_sky_points(layer: QgsVectorLayer) -> None:
    bounds = [0.0, 0.3, 0.5, 0.7, 0.85, 1.0]
    colors = ("#3f007d", "#6a51a3", "#9e9ac8", "#dadaeb", "#fcfbfd")
    ranges = [
        QgsRendererRange(low, high, _marker(color, 3.0), f"SVF {low:g} – {high:g}")
        for low, high, color in zip(bounds, bounds[1:], colors)
    ]
    layer.setRenderer(QgsGraduatedSymbolRenderer("svf", ranges))


def style_beidou_grid(layer: QgsVectorLayer) -> None:
    """Grid cells as thin outlines, so the map under them stays readable."""
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "#2b83ba", "outline_width": "0.3"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


#: Style of each kind of result, for :func:`citytwin.layers.qgis_styles.apply_default_style`.
NAVCOMM_STYLES = {
    "svf_raster": style_sky_raster,
    "open_sky_raster": style_sky_raster,
    "los_count_raster": style_los_count_raster,
    "hdop_raster": style_hdop_raster,
    "rsrp_raster": style_rsrp_raster,
    "gnss_epochs": style_gnss_epochs,
    "gnss_satellites": style_gnss_satellites,
    "sky_points": style_sky_points,
    "beidou_grid": style_beidou_grid,
}
