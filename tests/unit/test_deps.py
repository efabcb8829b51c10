"""Dependency bookkeeping: what is missing, how pip is called, sys.path handling."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from citytwin.common import deps


def test_requirements_txt_pins_every_runtime_requirement(repo_root):
    pinned = {}
    for line in (repo_root / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pinned[name.lower()] = version
    for req in deps.REQUIREMENTS:
        assert req.distribution.lower() in pinned, f"{req.distribution} not pinned in requirements.txt"


def test_distribution_name_strips_extras_and_versions():
    assert deps.spec_name("laspy[lazrs]>=2.5") == "laspy"
    assert deps.spec_name("numpy>=1.22,<2") == "numpy"
    assert deps.Requirement("x", "pyvistaqt>=0.11", "").distribution == "pyvistaqt"


def test_missing_modules_finds_absent_and_keeps_present():
    assert deps.missing_modules(["json", "citytwin_no_such_module_xyz"]) == ["citytwin_no_such_module_xyz"]
    missing = deps.missing_requirements(["citytwin_no_such_module_xyz"])
    assert missing[0].module == "citytwin_no_such_module_xyz"


def test_a_finder_that_raises_counts_as_missing(monkeypatch):
    class Broken:
        def find_spec(self, fullname, path=None, target=None):
            if fullname == "citytwin_broken_pkg":
                raise ImportError("blocked")

    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    assert not deps.is_available("citytwin_broken_pkg")


def test_pip_command_installs_into_the_prefix_with_constraints(tmp_path):
    command = deps.pip_install_command(
        tmp_path / "pkgs",
        ["laspy>=2.5"],
        constraints_file=tmp_path / "c.txt",
        python="/opt/py/bin/python3",
        platform="win32",
    )
    assert command[:4] == ["/opt/py/bin/python3", "-m", "pip", "install"]
    assert command[command.index("--prefix") + 1] == str(tmp_path / "pkgs")
    assert command[command.index("--constraint") + 1] == str(tmp_path / "c.txt")
    assert "--no-binary" not in command
    assert command[-1] == "laspy>=2.5"


def test_on_linux_system_library_packages_are_built_from_source(tmp_path):
    command = deps.pip_install_command(tmp_path, ["geopandas"], python="python3", platform="linux")
    assert command[command.index("--no-binary") + 1] == "pyproj,pyogrio,shapely,rtree"


def test_prefix_site_dirs_follow_the_interpreter_layout(tmp_path):
    import sysconfig

    dirs = deps.prefix_site_dirs(tmp_path)
    expected = sysconfig.get_path("purelib", vars={"base": str(tmp_path), "platbase": str(tmp_path)})
    assert dirs[0] == Path(expected)
    assert all(tmp_path in folder.parents for folder in dirs)


def test_numpy_is_pinned_to_the_running_version():
    import numpy

    assert f"numpy=={numpy.__version__}" in deps.constraints_for_running_python()


def test_python_executable_runs_python():
    import subprocess

    out = subprocess.run(
        [deps.python_executable(), "-c", "import sys; print(sys.version_info[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "3"


def test_python_executable_when_running_inside_qgis(monkeypatch):
    # Inside the QGIS desktop sys.executable is the qgis binary, not python.
    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")
    exe = deps.python_executable()
    assert re.search(r"python(3(\.\d+)?)?(\.exe)?$", Path(exe).name)
    assert Path(exe).resolve().is_relative_to(Path(sys.base_exec_prefix).resolve()) or Path(
        exe
    ).resolve().is_relative_to(Path(sys.exec_prefix).resolve())


def test_python_executable_ignores_a_foreign_python_on_path(monkeypatch, tmp_path):
    # qgis_process's embedded Python sets sys.executable to the first python3 on PATH,
    # which may belong to another installation (pyenv, conda): never pip into that one.
    foreign = tmp_path / "otherpython" / "bin" / "python3"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("#!/bin/sh\n")
    foreign.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(foreign))
    assert deps.python_executable() != str(foreign)


def test_pip_progress_step_counts_requested_packages_only():
    requested = ["laspy>=2.5", "pyvista_qt>=0.1"]
    assert deps.pip_progress_step("Collecting laspy>=2.5", requested) == "laspy"
    assert deps.pip_progress_step("  Collecting pyvista-qt", requested) == "pyvista-qt"
    assert deps.pip_progress_step("Collecting numpy (from laspy)", requested) is None
    assert deps.pip_progress_step("Downloading laspy-2.7.0.whl", requested) is None


def test_packages_dir_is_appended_once_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    prefix = tmp_path / "prefix"
    assert not deps.activate_packages_dir(prefix)
    folder = deps.prefix_site_dirs(prefix)[0]
    folder.mkdir(parents=True)
    (folder / "citytwin_probe_mod.py").write_text("VALUE = 42\n")
    assert deps.activate_packages_dir(prefix)
    assert deps.activate_packages_dir(prefix)
    assert sys.path.count(str(folder)) == 1
    assert sys.path[-1] == str(folder)  # appended: the QGIS Python's own packages win
    assert deps.is_available("citytwin_probe_mod")
    deps.deactivate_packages_dir(prefix)
    assert str(folder) not in sys.path


def test_missing_dependency_error_names_packages_and_command():
    from citytwin.common.errors import MissingDependencyError

    err = MissingDependencyError(["laspy", "lazrs"], "python3 -m pip install laspy lazrs")
    assert "laspy, lazrs" in str(err) and "pip install" in str(err)
