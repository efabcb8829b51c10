"""Field construction that works on QGIS 3.22 (Qt5) and QGIS builds on Qt6."""

from __future__ import annotations

from qgis.core import QgsField, QgsFields
from qgis.PyQt.QtCore import QT_VERSION_STR

_QT6 = QT_VERSION_STR.startswith("6")

if _QT6:  # pragma: no cover - exercised on Qt6 builds of QGIS only
    from qgis.PyQt.QtCore import QMetaType

    _TYPES = {
        "string": QMetaType.Type.QString,
        "int": QMetaType.Type.Int,
        "int64": QMetaType.Type.LongLong,
        "double": QMetaType.Type.Double,
        "bool": QMetaType.Type.Bool,
        "date": QMetaType.Type.QDate,
        "datetime": QMetaType.Type.QDateTime,
    }
else:
    from qgis.PyQt.QtCore import QVariant

    _TYPES = {
        "string": QVariant.Type.String,
        "int": QVariant.Type.Int,
        "int64": QVariant.Type.LongLong,
        "double": QVariant.Type.Double,
        "bool": QVariant.Type.Bool,
        "date": QVariant.Type.Date,
        "datetime": QVariant.Type.DateTime,
    }


def make_fields(spec: list[tuple[str, str]]) -> QgsFields:
    """``QgsFields`` from ``[(name, kind), ...]`` with kinds as in ``_TYPES``."""
    fields = QgsFields()
    for name, kind in spec:
        fields.append(QgsField(name, _TYPES[kind]))
    return fields
