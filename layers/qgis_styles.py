"""Default styles of the base's layers: readable at a glance by a planner.

Fix quality classes, RSRP bands in dB, an NDVI ramp, and a diverging PS velocity
ramp centred on zero (red = subsidence). Colours are ColorBrewer schemes
(colorbrewer2.org, Brewer 2003), chosen to stay legible for colour-blind readers.
"""

from __future__ import annotations

import math

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

# RSRP coverage bands (dBm), as drive-test reports use them.
RSRP_BANDS = (
    (-80.0, 0.0, "#1a9641"),
    (-90.0, -80.0, "#a6d96a"),
    (-100.0, -90.0, "#ffffbf"),
    (-110.0, -100.0, "#fdae61"),
    (-156.0, -110.0, "#d7191c"),
)
# ColorBrewer RdBu, 10 classes, red (sinking) to blue (rising).
RDBU_10 = ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061")
FIX_QUALITY = (
    (0, "#d7191c"),
    (1, "#1a9641"),
    (2, "#2b83ba"),
    (4, "#006837"),
    (5, "#a6d96a"),
    (6, "#bababa"),
)


class CityTwinStyles:
    """Translation context of this module (pylupdate5 files ``CityTwinStyles.tr`` strings under it)."""

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("CityTwinStyles", text)


def _fix_labels() -> dict[int, str]:
    return {
        0: CityTwinStyles.tr("No fix"),
        1: CityTwinStyles.tr("GNSS fix"),
        2: CityTwinStyles.tr("Differential fix"),
        4: CityTwinStyles.tr("RTK fixed"),
        5: CityTwinStyles.tr("RTK float"),
        6: CityTwinStyles.tr("Dead reckoning"),
    }


def _marker(color: str, size: float = 2.2, shape: str = "circle") -> QgsMarkerSymbol:
    return QgsMarkerSymbol.createSimple(
        {"name": shape, "color": color, "size": str(size), "outline_color": "#404040", "outline_width": "0.1"}
    )


def _fill(color: str, outline: str = "#505050", opacity: float = 1.0) -> QgsFillSymbol:
    symbol = QgsFillSymbol.createSimple({"color": color, "outline_color": outline, "outline_width": "0.2"})
    symbol.setOpacity(opacity)
    return symbol


def style_fix_quality(layer: QgsVectorLayer) -> None:
    labels = _fix_labels()
    categories = [QgsRendererCategory(value, _marker(color), labels[value]) for value, color in FIX_QUALITY]
    layer.setRenderer(QgsCategorizedSymbolRenderer("fix_quality", categories))


def rsrp_labels() -> tuple[str, ...]:
    """Labels of :data:`RSRP_BANDS`, strongest first."""
    return (
        CityTwinStyles.tr("≥ −80 dBm excellent"),
        CityTwinStyles.tr("−90 to −80 dBm good"),
        CityTwinStyles.tr("−100 to −90 dBm fair"),
        CityTwinStyles.tr("−110 to −100 dBm poor"),
        CityTwinStyles.tr("< −110 dBm weak"),
    )


def _rsrp_ranges(make_symbol) -> list[QgsRendererRange]:
    labels = rsrp_labels()
    return [
        QgsRendererRange(low, high, make_symbol(color), label) for (low, high, color), label in zip(RSRP_BANDS, labels)
    ]


def style_rsrp(layer: QgsVectorLayer, field: str = "rsrp_dbm") -> None:
    layer.setRenderer(QgsGraduatedSymbolRenderer(field, _rsrp_ranges(lambda c: _marker(c, 2.4))))


def _symmetric_breaks(limit: float) -> list[float]:
    """Ten classes symmetric about zero up to ``limit`` rounded to a nice value."""
    nice = next((v for v in (2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200) if v >= limit), math.ceil(limit))
    step = nice / 5
    return [-nice + i * step for i in range(11)]


def style_diverging(layer: QgsVectorLayer, field: str, unit: str, limit: float | None = None, polygon: bool = False):
    """Diverging RdBu classes centred on zero; ``limit`` defaults to the 98th percentile |value|."""
    if limit is None:
        values = [abs(v) for v in layer.uniqueValues(layer.fields().indexOf(field)) if isinstance(v, (int, float))]
        values.sort()
        limit = values[int(0.98 * (len(values) - 1))] if values else 10.0
    breaks = _symmetric_breaks(max(limit, 1e-9))
    ranges = []
    for i, color in enumerate(RDBU_10):
        low, high = breaks[i], breaks[i + 1]
        if i == 0:
            low = -1e9  # open-ended outer classes: nothing falls outside the legend
        if i == len(RDBU_10) - 1:
            high = 1e9
        label = f"{breaks[i]:g} – {breaks[i + 1]:g} {unit}"
        symbol = _fill(color, "#00000000", 0.75) if polygon else _marker(color, 2.6)
        ranges.append(QgsRendererRange(low, high, symbol, label))
    layer.setRenderer(QgsGraduatedSymbolRenderer(field, ranges))


def style_buildings(layer: QgsVectorLayer) -> None:
    greys = (("#f0f0f0", 0, 12), ("#d9d9d9", 12, 24), ("#bdbdbd", 24, 50), ("#969696", 50, 100), ("#636363", 100, 1000))
    ranges = [QgsRendererRange(low, high, _fill(color), f"{low:g} – {high:g} m") for color, low, high in greys]
    renderer = QgsGraduatedSymbolRenderer("height_m", ranges)
    layer.setRenderer(renderer)


def style_outline(layer: QgsVectorLayer, color: str = "#e66101") -> None:
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": color, "outline_width": "0.6"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def style_cell_sites(layer: QgsVectorLayer) -> None:
    colors = {"LTE": "#7b3294", "NR": "#c2a5cf", "UMTS": "#008837", "GSM": "#a6dba0", "CDMA": "#fdb863"}
    categories = [QgsRendererCategory(radio, _marker(color, 4.0, "triangle"), radio) for radio, color in colors.items()]
    layer.setRenderer(QgsCategorizedSymbolRenderer("radio", categories))


def style_track(layer: QgsVectorLayer) -> None:
    geometry = layer.geometryType()
    if geometry == 1:  # lines
        layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple({"color": "#2b83ba", "width": "0.6"})))
    else:
        layer.setRenderer(QgsSingleSymbolRenderer(_marker("#2b83ba", 2.0)))


INDEX_RAMPS = {
    # index: (value, colour) stops. NDVI: water blue, bare and built-up tan, vegetation
    # yellow-green to dark green; NDBI: blue (not built) to red (built-up); NDWI: blues.
    "ndvi": (
        (-0.3, "#2c7bb6"),
        (0.0, "#d9c8a5"),
        (0.2, "#f3ecd2"),
        (0.4, "#c2e699"),
        (0.6, "#78c679"),
        (0.9, "#006837"),
    ),
    "ndbi": ((-0.5, "#2166ac"), (-0.2, "#67a9cf"), (0.0, "#f7f7f7"), (0.15, "#ef8a62"), (0.4, "#b2182b")),
    "ndwi": ((-0.6, "#f7fbff"), (-0.2, "#deebf7"), (0.0, "#9ecae1"), (0.3, "#4292c6"), (0.8, "#08306b")),
}


def style_index_raster(layer: QgsRasterLayer, index: str) -> None:
    stops = INDEX_RAMPS.get(index, INDEX_RAMPS["ndvi"])
    low, high = stops[0][0], stops[-1][0]
    items = [QgsColorRampShader.ColorRampItem(value, QColor(color), f"{value:.2f}") for value, color in stops]
    ramp = QgsColorRampShader(low, high)
    ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)


#: Hypsometric ramp for DSM/DTM (low green to high brown-white), stops as fractions of the range.
ELEVATION_STOPS = ((0.0, "#1a9850"), (0.25, "#a6d96a"), (0.5, "#fee08b"), (0.75, "#d8b365"), (1.0, "#f5f5f5"))
#: Object heights above ground (nDSM), metres: ground to tall buildings.
NDSM_STOPS = ((0.0, "#f7f7f7"), (2.0, "#fee391"), (10.0, "#fe9929"), (30.0, "#cc4c02"), (80.0, "#662506"))


def _pseudocolor(layer: QgsRasterLayer, stops, labels: bool = True, band: int = 1, fmt: str = ".1f") -> None:
    items = [
        QgsColorRampShader.ColorRampItem(value, QColor(color), format(value, fmt) if labels else "")
        for value, color in stops
    ]
    ramp = QgsColorRampShader(stops[0][0], stops[-1][0])
    ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(stops[0][0])
    renderer.setClassificationMax(stops[-1][0])
    layer.setRenderer(renderer)


def style_elevation_raster(layer: QgsRasterLayer) -> None:
    """DSM/DTM: a hypsometric ramp stretched over the band's 2nd-98th percentile."""
    from qgis.core import QgsRasterBandStats

    provider = layer.dataProvider()
    stats = provider.bandStatistics(1, QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max)
    low, high = float(stats.minimumValue), float(stats.maximumValue)
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1.0
    _pseudocolor(layer, [(low + f * (high - low), color) for f, color in ELEVATION_STOPS])


def style_ndsm_raster(layer: QgsRasterLayer) -> None:
    """nDSM: object height above ground in metres, fixed breaks so maps compare."""
    _pseudocolor(layer, NDSM_STOPS)


def style_building_heights(layer: QgsVectorLayer, field: str = "pc_height_m") -> None:
    """Footprints by their height from the point cloud (blues, so they differ from the source heights' greys)."""
    bands = (("#ffffcc", 0, 12), ("#a1dab4", 12, 24), ("#41b6c4", 24, 50), ("#2c7fb8", 50, 100), ("#253494", 100, 1000))
    ranges = [QgsRendererRange(low, high, _fill(color), f"{low:g} – {high:g} m") for color, low, high in bands]
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    layer.setRenderer(renderer)


#: Damage classes of building risk (codes of processing.building_risk) in a yellow-to-red ramp.
DAMAGE_COLORS = (
    ("negligible", "#ffffcc"),
    ("very_slight", "#fed976"),
    ("slight", "#fd8d3c"),
    ("moderate", "#e31a1c"),
    ("severe", "#800026"),
)


def _damage_labels() -> dict[str, str]:
    return {
        "negligible": CityTwinStyles.tr("Negligible (β < 1/5000)"),
        "very_slight": CityTwinStyles.tr("Very slight (1/5000 – 1/500)"),
        "slight": CityTwinStyles.tr("Slight: cracking in panel walls (1/500 – 1/300)"),
        "moderate": CityTwinStyles.tr("Moderate: structural damage possible (1/300 – 1/150)"),
        "severe": CityTwinStyles.tr("Severe (β ≥ 1/150)"),
        "": CityTwinStyles.tr("Not assessed (too few PS points)"),
    }


def style_building_risk(layer: QgsVectorLayer, field: str = "damage_class") -> None:
    """Footprints by damage class of angular distortion β (Skempton & MacDonald 1956, Bjerrum 1963)."""
    labels = _damage_labels()
    categories = [QgsRendererCategory(code, _fill(color), labels[code]) for code, color in DAMAGE_COLORS]
    categories.append(QgsRendererCategory("", _fill("#d9d9d9", "#909090", 0.6), labels[""]))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))


def style_hotspots(layer: QgsVectorLayer, field: str = "kind") -> None:
    """Hotspot polygons: subsiding red, uplifting blue, hatched outline so points below stay visible."""
    categories = []
    for code, color, label in (
        ("subsiding", "#d7301f", CityTwinStyles.tr("Subsiding cluster")),
        ("uplifting", "#2b8cbe", CityTwinStyles.tr("Uplifting cluster")),
    ):
        symbol = QgsFillSymbol.createSimple(
            {"color": color, "style": "b_diagonal", "outline_color": color, "outline_width": "0.6"}
        )
        categories.append(QgsRendererCategory(code, symbol, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))


def style_velocity_raster(layer: QgsRasterLayer) -> None:
    """Rate surface (mm/yr): the PS points' diverging RdBu ramp, centred on zero, symmetric limits."""
    from qgis.core import QgsRasterBandStats

    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max)
    limit = max(abs(float(stats.minimumValue)), abs(float(stats.maximumValue)), 1e-6)
    if not math.isfinite(limit):
        limit = 10.0
    breaks = _symmetric_breaks(limit)
    stops = [(breaks[0] + i * (breaks[-1] - breaks[0]) / (len(RDBU_10) - 1), c) for i, c in enumerate(RDBU_10)]
    _pseudocolor(layer, stops)


# ColorBrewer YlOrRd (emissions) and Greens (uptake), 6 classes.
YLORRD_6 = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
GREENS_5 = ("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c")
#: Ours / inventory: agreement within x1.25 in the middle class.
RATIO_CLASSES = ((0.0, 0.5, "#2166ac"), (0.5, 0.8, "#92c5de"), (0.8, 1.25, "#f7f7f7"), (1.25, 2.0, "#f4a582"),
                 (2.0, 1e9, "#b2182b"))  # fmt: skip


def style_emissions(layer: QgsVectorLayer, field: str = "co2_t", unit: str = "tCO2/yr", opacity: float = 1.0) -> None:
    """Graduated YlOrRd in pretty breaks (round numbers a planner can quote) of ``field``."""
    from qgis.core import QgsClassificationPrettyBreaks, QgsGradientColorRamp, QgsGradientStop, QgsSymbol

    renderer = QgsGraduatedSymbolRenderer(field)
    symbol = QgsSymbol.defaultSymbol(layer.geometryType())
    symbol.setOpacity(opacity)
    renderer.setSourceSymbol(symbol)
    method = QgsClassificationPrettyBreaks()
    method.setLabelFormat(f"%1 – %2 {unit}")
    method.setLabelPrecision(0)
    renderer.setClassificationMethod(method)
    ramp = QgsGradientColorRamp(QColor(YLORRD_6[0]), QColor(YLORRD_6[-1]))
    ramp.setStops([QgsGradientStop(i / 5, QColor(c)) for i, c in enumerate(YLORRD_6)][1:-1])
    renderer.updateClasses(layer, 5)
    renderer.updateColorRamp(ramp)
    layer.setRenderer(renderer)


def style_ledger_districts(layer: QgsVectorLayer) -> None:
    """Districts by net tCO2/yr, half transparent, labelled with their name and net."""
    from qgis.core import QgsPalLayerSettings, QgsTextFormat, QgsVectorLayerSimpleLabeling

    style_emissions(layer, "net_t", opacity=0.55)
    settings = QgsPalLayerSettings()
    name = next((f for f in ("name", "district", "NAME") if layer.fields().indexOf(f) >= 0), None)
    title = f"\"{name}\" || '\\n' || " if name else ""
    settings.fieldName = f"{title}format_number(\"net_t\", 0) || ' tCO2/yr'"
    settings.isExpression = True
    text = QgsTextFormat()
    text.setSize(9)
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _band_limits(layer: QgsRasterLayer, band: int) -> tuple[float, float]:
    from qgis.core import QgsRasterBandStats

    stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max)
    low, high = float(stats.minimumValue), float(stats.maximumValue)
    return (low, high) if math.isfinite(low) and math.isfinite(high) else (0.0, 1.0)


def style_uptake_raster(layer: QgsRasterLayer) -> None:
    """Uptake (tCO2/yr per cell): Greens from zero to the band's maximum."""
    _low, high = _band_limits(layer, 1)
    high = max(high, 1e-9)
    _pseudocolor(layer, [(high * i / 4, c) for i, c in enumerate(GREENS_5)], fmt=".3g")


def style_balance_raster(layer: QgsRasterLayer) -> None:
    """The net band (last) of the balance grid: green uptake to red emission, centred on zero."""
    band = layer.bandCount()
    low, high = _band_limits(layer, band)
    limit = max(abs(low), abs(high), 1e-9)
    colors = ("#1a9850", "#91cf60", "#f7f7f7", "#fc8d59", "#d73027")
    _pseudocolor(layer, [(-limit + i * limit / 2, c) for i, c in enumerate(colors)], band=band, fmt=".3g")


def style_ratio(layer: QgsVectorLayer, field: str = "ratio") -> None:
    ranges = [
        QgsRendererRange(low, high, _fill(color, "#505050", 0.8), f"{low:g} – {high:g}" if high < 1e8 else f"> {low:g}")
        for low, high, color in RATIO_CLASSES
    ]
    layer.setRenderer(QgsGraduatedSymbolRenderer(field, ranges))


def grid_styles(layer: QgsVectorLayer) -> dict[str, callable]:
    """Named styles of the fused grid, the first one the default."""

    def rsrp():
        layer.setRenderer(
            QgsGraduatedSymbolRenderer("rsrp_mean_dbm", _rsrp_ranges(lambda c: _fill(c, "#00000000", 0.7)))
        )

    def ps():
        style_diverging(layer, "ps_vel_mean_mm_yr", "mm/yr", polygon=True)

    def ndvi():
        stops = INDEX_RAMPS["ndvi"]
        ranges = [
            QgsRendererRange(low, high, _fill(color, "#00000000", 0.75), f"{low:.2f} – {high:.2f}")
            for (low, color), (high, _) in zip(stops, [*stops[1:], (1.0, None)])
        ]
        ranges[0] = QgsRendererRange(-1.0, ranges[0].upperValue(), ranges[0].symbol().clone(), ranges[0].label())
        layer.setRenderer(QgsGraduatedSymbolRenderer("ndvi_mean", ranges))

    def hdop():
        colors = (("#1a9641", 0, 1), ("#a6d96a", 1, 2), ("#fdae61", 2, 5), ("#d7191c", 5, 99))
        ranges = [
            QgsRendererRange(lo, hi, _fill(c, "#00000000", 0.75), f"HDOP {lo:g} – {hi:g}") for c, lo, hi in colors
        ]
        layer.setRenderer(QgsGraduatedSymbolRenderer("gnss_hdop_mean", ranges))

    return {
        CityTwinStyles.tr("RSRP mean"): rsrp,
        CityTwinStyles.tr("PS velocity"): ps,
        CityTwinStyles.tr("NDVI"): ndvi,
        CityTwinStyles.tr("GNSS HDOP"): hdop,
    }


def apply_default_style(layer, kind: str, index: str | None = None) -> None:
    """Style ``layer`` for its base kind (a no-op for kinds without a style)."""
    styles = {
        "index_raster": lambda: style_index_raster(layer, index or "ndvi"),
        "nav_epochs": lambda: style_fix_quality(layer),
        "drive_test": lambda: style_rsrp(layer),
        "ps_points": lambda: style_diverging(layer, "mean_velocity", "mm/yr"),
        "ps_fit": lambda: style_diverging(layer, "vel", "mm/yr"),
        "ps_vertical": lambda: style_diverging(layer, "vertical", "mm/yr"),
        "velocity_raster": lambda: style_velocity_raster(layer),
        "hotspots": lambda: style_hotspots(layer),
        "building_risk": lambda: style_building_risk(layer),
        "carbon_buildings": lambda: style_emissions(layer),
        "carbon_traffic": lambda: style_emissions(layer),
        "carbon_districts": lambda: style_ledger_districts(layer),
        "carbon_sink": lambda: style_uptake_raster(layer),
        "carbon_balance": lambda: style_balance_raster(layer),
        "carbon_reconcile": lambda: style_ratio(layer),
        "buildings": lambda: style_buildings(layer),
        "building_heights": lambda: style_building_heights(layer),
        "elevation_raster": lambda: style_elevation_raster(layer),
        "ndsm_raster": lambda: style_ndsm_raster(layer),
        "pointcloud_extents": lambda: style_outline(layer),
        "cell_sites": lambda: style_cell_sites(layer),
        "gpx_waypoints": lambda: style_track(layer),
        "gpx_points": lambda: style_track(layer),
        "gpx_lines": lambda: style_track(layer),
    }
    if kind in styles:
        styles[kind]()
        return
    from .qgis_navcomm_styles import NAVCOMM_STYLES

    if kind in NAVCOMM_STYLES:
        NAVCOMM_STYLES[kind](layer)
