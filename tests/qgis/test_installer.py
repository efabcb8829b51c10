"""The package installer dialog runs real pip in a QProcess, offline, from a local wheel."""

from __future__ import annotations

import sys
import time

from qgis.core import QgsApplication

from citytwin.common import deps
from citytwin.ui.install_dialog import DependencyInstallDialog
from citytwin_testing.wheels import build_wheel


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.05)
    return condition()


def test_install_missing_package_from_local_wheel(qgis_app, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    build_wheel(tmp_path / "wheels", "citytwin_probe_pkg", module_code="ANSWER = 42\n")
    req = deps.Requirement("citytwin_probe_pkg", "citytwin_probe_pkg>=1.0", "installer test")
    assert deps.missing_modules([req.module]) == [req.module]
    target = tmp_path / "profile" / "python" / "citytwin_packages"
    dialog = DependencyInstallDialog(
        [req], target, extra_pip_args=["--no-index", "--find-links", str(tmp_path / "wheels")]
    )
    results = []
    dialog.finished_install.connect(results.append)
    dialog.show()
    dialog.start()
    assert wait_for(lambda: results), dialog.log_text()
    assert results == [[]], dialog.log_text()
    assert dialog.exit_code == 0
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "Installed" in dialog.status.text()
    site_dirs = deps.prefix_site_dirs(target)
    assert any((folder / "citytwin_probe_pkg" / "__init__.py").is_file() for folder in site_dirs)
    import citytwin_probe_pkg

    assert citytwin_probe_pkg.ANSWER == 42
    assert str(site_dirs[0]) in sys.path  # appended, after the QGIS Python's own folders
    assert sys.path.index(str(site_dirs[0])) > max(
        i for i, p in enumerate(sys.path) if "dist-packages" in p and "local" not in p
    )
    dialog.close()


def test_failed_install_reports_what_is_still_missing(qgis_app, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    req = deps.Requirement("citytwin_not_anywhere", "citytwin_not_anywhere>=1.0", "installer test")
    dialog = DependencyInstallDialog(
        [req], tmp_path / "target", extra_pip_args=["--no-index", "--find-links", str(tmp_path)]
    )
    results = []
    dialog.finished_install.connect(results.append)
    dialog.start()
    assert wait_for(lambda: results), dialog.log_text()
    assert results == [["citytwin_not_anywhere"]]
    assert dialog.exit_code != 0
    assert "still missing: citytwin_not_anywhere" in dialog.status.text()
    assert "No matching distribution" in dialog.log_text()
    dialog.close()


def test_cancel_kills_pip(qgis_app, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    req = deps.Requirement("citytwin_slow_pkg", "citytwin_slow_pkg", "installer test")
    # A find-links URL that never answers keeps pip busy until it is killed.
    dialog = DependencyInstallDialog(
        [req],
        tmp_path / "target",
        extra_pip_args=["--no-index", "--find-links", "http://10.255.255.1/", "--timeout", "60"],
    )
    results = []
    dialog.finished_install.connect(results.append)
    dialog.start()
    assert wait_for(dialog.is_running, 10)
    dialog.cancel()
    assert wait_for(lambda: results, 30), dialog.log_text()
    assert results == [["citytwin_slow_pkg"]]
    assert "Canceled by the user." in dialog.log_text()
    dialog.close()
