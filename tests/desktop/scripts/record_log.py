"""PYQGIS_STARTUP hook: append every QGIS log message to $CT_LOG as JSON lines.

Runs before any plugin is loaded, so errors raised while loading CityTwin are seen.
"""

import builtins
import json
import os

from qgis.core import QgsApplication

if not getattr(builtins, "_citytwin_log_hooked", False):  # QGIS may run the hook twice
    builtins._citytwin_log_hooked = True
    _log = open(os.environ["CT_LOG"], "a", encoding="utf-8")  # noqa: SIM115 - lives as long as QGIS

    def _record(message, tag, level):
        _log.write(json.dumps({"tag": tag, "level": int(level), "message": message}) + "\n")
        _log.flush()

    QgsApplication.messageLog().messageReceived.connect(_record)
