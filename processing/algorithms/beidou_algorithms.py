"""Processing algorithms of BeiDou grid location codes (GB/T 39409-2020), QGIS adapter tier.

``beidoucode`` adds the 2D (and optionally 3D) code of each feature to a copy of a layer;
``beidougrid`` builds the cells of one level over an extent. Both are thin wrappers
around :mod:`..beidou_grid` / :mod:`..beidou_arrays` (the pure core): coordinates are
collected once, transformed to CGCS2000 (EPSG:4490) with pyproj in bulk and coded with
the vectorised core.
"""

from __future__ import annotations

import math
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsRectangle,
    QgsWkbTypes,
)

from ...common.errors import Canceled
from ..qgis_algorithm import CityTwinAlgorithm, cancel_check
from ..qgis_fields import make_fields
from ..qgis_frames import crs_wkt

#: The frame the grid is defined on.
CGCS2000 = "EPSG:4490"
#: Height sources of ``beidoucode``.
HEIGHT_NONE, HEIGHT_FIELD, HEIGHT_Z = 0, 1, 2


class BeidouMessages:
    """Translation context of this module's helper functions."""

    @staticmethod
    def tr(text: str) -> str:
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("BeidouMessages", text)


def _standard_help() -> str:
    """The part of the help both algorithms share: the standard, edges, the frame."""
    # pylupdate5 finds the string only with the context on the line of tr(.
    # fmt: off
    return BeidouMessages.tr("The grid is the national standard GB/T 39409-2020 《北斗网格位置码》 (BeiDou grid "
        "location code): levels 1-10 of 6°×4°, 30′, 15′×10′, 1′, 4″, 2″, 1/4″, 1/32″, 1/256″ and 1/2048″ cells "
        "(level 10 is about 1.5 cm); the 2D code has 4, 6, 7, 9, 11, 12, 14, 16, 18 or 20 characters and a coarser "
        "code is a prefix of a finer one. Cells are counted away from the equator and the prime meridian (mirrored "
        "in the southern and western hemispheres). A point on a cell edge belongs to the cell farther from the "
        "equator in latitude, and in longitude to the cell east of the edge. Latitudes beyond ±88° (the polar caps, "
        "which the standard codes differently) are not coded.\n"
        "Coordinates are transformed to CGCS2000 geographic (EPSG:4490). PROJ treats WGS 84 and CGCS2000 as the "
        "same frame: the frames agree to centimetres, but a position measured in WGS 84 today differs from its "
        "CGCS2000 (epoch 2000.0) coordinates by the plate motion since 2000 (about 3 cm a year in China, several "
        "decimetres by now), so at levels 8-10 (1 m, 12 cm and 1.5 cm cells) codes of WGS 84 data may name a "
        "neighbouring cell.")
    # fmt: on


def _level_parameter(name: str, label: str, default: int) -> QgsProcessingParameterNumber:
    return QgsProcessingParameterNumber(
        name, label, QgsProcessingParameterNumber.Type.Integer, default, minValue=1, maxValue=10
    )


def _to_cgcs2000(crs, x, y):
    """Longitude, latitude (EPSG:4490) of arrays of points in the QGIS CRS ``crs``."""
    from ..beidou_arrays import to_cgcs2000

    return to_cgcs2000(crs.authid() if crs.authid().upper().startswith("EPSG:") else crs_wkt(crs), x, y)


def _feature_point(geometry: QgsGeometry) -> tuple[float, float, float]:
    """(x, y, z) of the point a feature is coded at: the point itself, else the centroid.

    z is the point's Z, or the mean Z of the vertices of a line or polygon (NaN without Z).
    """
    nan = math.nan
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return nan, nan, nan
    has_z = QgsWkbTypes.hasZ(geometry.wkbType())
    part = geometry.constGet()
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.Point:
        return part.x(), part.y(), part.z() if has_z else nan
    centroid = geometry.centroid()
    if centroid.isNull() or centroid.isEmpty():
        return nan, nan, nan
    point = centroid.asPoint()
    z = nan
    if has_z:
        heights = [vertex.z() for vertex in geometry.vertices()]
        z = sum(heights) / len(heights) if heights else nan
    return point.x(), point.y(), z


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


class _BeidouAlgorithm(CityTwinAlgorithm):
    GROUP_ID = "navcomm"
    REQUIRED_MODULES = ("numpy", "pyproj")
    OUTPUT = "OUTPUT"
    LEVEL = "LEVEL"


class BeidouCodeAlgorithm(_BeidouAlgorithm):
    """Adds the BeiDou grid location code of each feature to a copy of a layer."""

    INPUT = "INPUT"
    HEIGHT_SOURCE = "HEIGHT_SOURCE"
    HEIGHT_FIELD = "HEIGHT_FIELD"
    FIELD = "FIELD"
    FIELD_3D = "FIELD_3D"
    CODED = "CODED"
    NOT_CODED = "NOT_CODED"

    def name(self) -> str:
        return "beidoucode"

    def displayName(self) -> str:
        return self.tr("Add BeiDou grid code")

    def tags(self) -> list[str]:
        return self.tr("beidou,bds,grid,location code,gb/t 39409,北斗网格位置码,geocode,index,3d").split(",")

    def shortHelpString(self) -> str:
        return (
            self.tr(
                "Adds the BeiDou grid location code of each feature to a copy of the layer: the 2D code, and with a "
                "height source the 3D code as well. Points are coded where they are; lines, polygons and "
                "multi-points at their centroid (computed in the layer's CRS; for a grid cell that is its centre, "
                "so a cell made by 'Create BeiDou grid' gets its own code).\n"
                "Level: 10 (the default) is the full code; the code of any coarser level is its prefix (first 4, "
                "6, 7, 9, 11, 12, 14, 16 or 18 characters), so nothing is lost by coding finely.\n"
                "3D code (32 characters at level 10): the height H in metres above the CGCS2000 ellipsoid, from a "
                "numeric field or from the geometry's Z (for lines and polygons the mean Z of their vertices), "
                "gives the height cell n = ⌊(θ0/θ)·ln((H+r)/r)/ln(1+θ0)⌋ with θ0 = 1°, θ = 1/2048″, r = 6 378 137 m "
                "(cells about 1.5 cm thick near the ground), with a sign character (0 above, 1 below the "
                "ellipsoid) and the bits of |n| spread over the levels (6, 3, 1, 4, 4, 1, 3, 3, 3, 3 bits), "
                "interleaved after each level's 2D characters. Heights above the 1985 national height datum differ "
                "from ellipsoidal heights by the height anomaly (tens of metres in China): convert them first.\n"
                "Features without geometry, beyond ±88° latitude, or (3D) without a usable height get NULL, and "
                "the log counts them.\n"
            )
            + _standard_help()
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, self.tr("Input layer"), [QgsProcessing.SourceType.TypeVectorAnyGeometry]
            )
        )
        self.addParameter(_level_parameter(self.LEVEL, self.tr("Level (1-10)"), 10))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.HEIGHT_SOURCE,
                self.tr("Height for the 3D code"),
                [self.tr("None: 2D code only"), self.tr("A numeric field"), self.tr("The geometry's Z")],
                defaultValue=HEIGHT_NONE,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.HEIGHT_FIELD,
                self.tr("Height field (m above the ellipsoid)"),
                None,
                self.INPUT,
                QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterString(self.FIELD, self.tr("Field of the 2D code"), "bd_code"))
        self.addParameter(QgsProcessingParameterString(self.FIELD_3D, self.tr("Field of the 3D code"), "bd_code_3d"))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Coded layer")))
        self.addOutput(QgsProcessingOutputNumber(self.CODED, self.tr("Features with a code")))
        self.addOutput(QgsProcessingOutputNumber(self.NOT_CODED, self.tr("Features without a code")))

    def _settings(self, parameters, context, source):
        level = self.parameterAsInt(parameters, self.LEVEL, context)
        height_source = self.parameterAsEnum(parameters, self.HEIGHT_SOURCE, context)
        height_field = self.parameterAsString(parameters, self.HEIGHT_FIELD, context)
        field = self.parameterAsString(parameters, self.FIELD, context).strip()
        field_3d = self.parameterAsString(parameters, self.FIELD_3D, context).strip()
        layer = source.sourceName()
        if height_source == HEIGHT_FIELD and not height_field:
            raise QgsProcessingException(self.tr("Choose the height field, or another height source."))
        if height_source == HEIGHT_FIELD and source.fields().indexOf(height_field) < 0:
            raise QgsProcessingException(
                self.tr("Layer '{layer}' has no field '{field}'.").format(layer=layer, field=height_field)
            )
        wanted = [field] + ([field_3d] if height_source != HEIGHT_NONE else [])
        for name in wanted:
            if not name:
                raise QgsProcessingException(self.tr("The name of a code field is empty."))
            if source.fields().lookupField(name) >= 0:
                raise QgsProcessingException(
                    self.tr("Layer '{layer}' already has a field '{field}': choose another name.").format(
                        layer=layer, field=name
                    )
                )
        if len(set(n.lower() for n in wanted)) < len(wanted):
            raise QgsProcessingException(self.tr("The 2D and 3D code fields need different names."))
        return level, height_source, height_field, wanted

    def _collect(self, source, height_source, height_field, feedback):
        """Feature ids and the (x, y, height) each feature is coded at, in the layer's CRS."""
        import numpy as np

        ids, xs, ys, hs = [], [], [], []
        total = max(source.featureCount(), 1)
        for i, feature in enumerate(source.getFeatures()):
            if i % 5000 == 0:
                if feedback.isCanceled():
                    raise Canceled()
                feedback.setProgress(40.0 * i / total)
            x, y, z = _feature_point(feature.geometry())
            ids.append(feature.id())
            xs.append(x)
            ys.append(y)
            hs.append(_number(feature[height_field]) if height_source == HEIGHT_FIELD else z)
        return ids, np.array(xs, dtype=float), np.array(ys, dtype=float), np.array(hs, dtype=float)

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        from ..beidou_grid import codable, encode_many, encode_many_3d

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        if not source.sourceCrs().isValid():
            raise QgsProcessingException(
                self.tr("Layer '{layer}' has no CRS: assign one (codes need latitude and longitude).").format(
                    layer=source.sourceName()
                )
            )
        level, height_source, height_field, names = self._settings(parameters, context, source)
        ids, x, y, heights = self._collect(source, height_source, height_field, feedback)
        has_point = np.isfinite(x) & np.isfinite(y)
        lon, lat = _to_cgcs2000(source.sourceCrs(), x, y)
        codes = encode_many(lon, lat, level)
        columns = [codes]
        if height_source != HEIGHT_NONE:
            columns.append(encode_many_3d(lon, lat, heights, level))
        self._report(feedback, has_point, codable(lon, lat), heights if height_source != HEIGHT_NONE else None)
        feedback.setProgress(50.0)

        fields = source.fields()
        for field in make_fields([(name, "string") for name in names]):
            fields.append(field)
        sink, dest = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, source.wkbType(), source.sourceCrs()
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        row_of = {fid: i for i, fid in enumerate(ids)}
        total = max(len(ids), 1)
        for n, feature in enumerate(source.getFeatures()):
            if n % 5000 == 0:
                if feedback.isCanceled():
                    raise Canceled()
                feedback.setProgress(50.0 + 50.0 * n / total)
            row = row_of[feature.id()]
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes(feature.attributes() + [column[row] for column in columns])
            if not sink.addFeature(out, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(sink.lastError())
        coded = sum(code is not None for code in codes)
        feedback.setProgress(100.0)
        return {self.OUTPUT: dest, self.CODED: coded, self.NOT_CODED: len(codes) - coded}

    def _report(self, feedback, has_point, inside, heights) -> None:
        import numpy as np

        no_geometry = int((~has_point).sum())
        polar = int((has_point & ~inside).sum())
        if no_geometry:
            feedback.pushWarning(
                self.tr("{count} feature(s) have no geometry: their codes are NULL.").format(count=f"{no_geometry:,}")
            )
        if polar:
            feedback.pushWarning(
                self.tr(
                    "{count} feature(s) lie beyond ±88° latitude (the polar caps, coded differently by the "
                    "standard) or outside ±180° longitude: their codes are NULL."
                ).format(count=f"{polar:,}")
            )
        if heights is not None:
            missing = int((inside & has_point & ~np.isfinite(heights)).sum())
            if missing:
                feedback.pushWarning(
                    self.tr("{count} feature(s) have no height: their 3D codes are NULL.").format(count=f"{missing:,}")
                )


class BeidouGridAlgorithm(_BeidouAlgorithm):
    """The cells of one BeiDou grid level over an extent, as polygons in CGCS2000."""

    EXTENT = "EXTENT"
    CELLS = "CELLS"

    def name(self) -> str:
        return "beidougrid"

    def displayName(self) -> str:
        return self.tr("Create BeiDou grid")

    def tags(self) -> list[str]:
        return self.tr("beidou,bds,grid,cells,location code,gb/t 39409,北斗网格位置码,fishnet").split(",")

    def shortHelpString(self) -> str:
        return (
            self.tr(
                "Builds every cell of the chosen BeiDou grid level that meets the extent, as polygons in CGCS2000 "
                "geographic coordinates (EPSG:4490), with fields code (the 2D code), level, west, south, east, "
                "north (cell edges, degrees) and width_m, height_m (the cell's size at its centre on the CGCS2000 "
                "ellipsoid, metres). The extent may be in any CRS; it is transformed to EPSG:4490 first, and parts "
                "beyond ±88° latitude are left out (with a warning). Each cell is found by coding its centre and "
                "decoding the code, so the polygons are exactly the cells the codes name; they tile the extent "
                "without gaps or overlaps. At most 1,000,000 cells: for more, choose a coarser level or a smaller "
                "extent. The default level 5 (4″, about 120 m × 95 m at 40° N) covers a city in tens of thousands "
                "of cells.\n"
            )
            + _standard_help()
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent")))
        self.addParameter(_level_parameter(self.LEVEL, self.tr("Level (1-10)"), 5))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("BeiDou grid"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.CELLS, self.tr("Cells")))

    def _extent(self, parameters, context, feedback) -> tuple[float, float, float, float]:
        from ..beidou_grid import MAX_LATITUDE

        target = QgsCoordinateReferenceSystem(CGCS2000)
        rect = self.parameterAsExtent(parameters, self.EXTENT, context, target)
        if rect.isNull():
            raise QgsProcessingException(self.tr("The extent is empty."))
        west, south, east, north = rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum()
        clipped = (max(west, -180.0), max(south, -MAX_LATITUDE), min(east, 180.0), min(north, MAX_LATITUDE))
        if clipped[0] > clipped[2] or clipped[1] > clipped[3]:
            raise QgsProcessingException(
                self.tr(
                    "The extent ({south:.4f}° to {north:.4f}° N) lies beyond ±88° latitude: the polar caps are "
                    "coded differently by the standard and are not built here."
                ).format(south=south, north=north)
            )
        if clipped != (west, south, east, north):
            feedback.pushWarning(
                self.tr("The extent was clipped to ±88° latitude and ±180° longitude (the polar caps are not built).")
            )
        return clipped

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ..beidou_arrays import grid_cell_arrays, grid_cell_count
        from ..beidou_grid import cell_size_m

        level = self.parameterAsInt(parameters, self.LEVEL, context)
        west, south, east, north = self._extent(parameters, context, feedback)
        count = grid_cell_count(west, south, east, north, level)  # refuses too many cells before any work
        feedback.pushInfo(
            self.tr("Level {level}: {count} cells over {west:.6f}..{east:.6f} E, {south:.6f}..{north:.6f} N.").format(
                level=level, count=f"{count:,}", west=west, east=east, south=south, north=north
            )
        )
        cells = grid_cell_arrays(
            west,
            south,
            east,
            north,
            level,
            progress=lambda f: feedback.setProgress(30.0 * f),
            is_canceled=cancel_check(feedback),
        )
        fields = make_fields(
            [("code", "string"), ("level", "int")] + [(n, "double") for n in ("west", "south", "east", "north")]
        )
        for field in make_fields([("width_m", "double"), ("height_m", "double")]):
            fields.append(field)
        sink, dest = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.Polygon, QgsCoordinateReferenceSystem(CGCS2000)
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        bounds = zip(*(cells[n].tolist() for n in ("west", "south", "east", "north")))
        for i, (code, (w, s, e, n)) in enumerate(zip(cells["code"], bounds)):
            if i % 2000 == 0:
                if feedback.isCanceled():
                    raise Canceled()
                feedback.setProgress(30.0 + 70.0 * i / max(count, 1))
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(w, s, e, n)))
            width, height = cell_size_m(level, (s + n) / 2)
            feature.setAttributes([code, level, w, s, e, n, width, height])
            if not sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(sink.lastError())
        feedback.setProgress(100.0)
        return {self.OUTPUT: dest, self.CELLS: len(cells["code"])}


BEIDOU_ALGORITHMS = (BeidouCodeAlgorithm, BeidouGridAlgorithm)
