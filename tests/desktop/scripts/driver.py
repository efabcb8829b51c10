"""Helpers for scripts that QGIS runs with --code (imported by path from them)."""

import json
import os
import traceback
from pathlib import Path

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QEventLoop, QTimer
from qgis.utils import iface

RESULT = Path(os.environ["CT_RESULT"])
ARTIFACTS = Path(os.environ["CT_ARTIFACTS"])


def wait(ms: int) -> None:
    """Let QGIS run its event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save_shot(widget, name: str) -> str:
    path = ARTIFACTS / name
    widget.grab().save(str(path))
    return str(path)


def finish(result: dict) -> None:
    """Write the findings and leave QGIS the way a user does (File > Exit)."""
    RESULT.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    # Without this QGIS asks whether to keep the temporary layers and the project.
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    iface.actionExit().trigger()


def run(steps) -> None:
    """Run ``steps(result)`` once the main window is up; record any exception."""

    def go():
        result = {"ok": False}
        try:
            iface.mainWindow().showMaximized()
            wait(1500)
            steps(result)
            result["ok"] = True
        except Exception:  # noqa: BLE001 - reported to the test through the result file
            result["error"] = traceback.format_exc()
        finish(result)

    QTimer.singleShot(500, go)
    QgsApplication.processEvents()
