"""Make the checkout importable as the package ``citytwin``, whatever its folder name.

The helpers in ``tests/support`` are importable as ``citytwin_testing``.

The repository root *is* the plugin folder. Putting the root itself on ``sys.path``
would let our ``processing/`` shadow QGIS's own ``processing`` module, so a link
``build/pkgroot/citytwin -> <root>`` is made and its parent goes on the path.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG_ROOT = ROOT / "build" / "pkgroot"
SHARED_DATA = ROOT.parent / "shared" / "data"


def _link(name: str, target: Path) -> None:
    link = PKG_ROOT / name
    if not link.exists():
        with contextlib.suppress(FileExistsError):  # a parallel run made it first
            link.symlink_to(target, target_is_directory=True)


def _link_package() -> None:
    PKG_ROOT.mkdir(parents=True, exist_ok=True)
    _link("citytwin", Path("..") / "..")
    # Test helpers, importable as `citytwin_testing` (not `tests`: a folder named
    # `tests/qgis` on sys.path would be a namespace candidate for `qgis`).
    _link("citytwin_testing", Path("..") / ".." / "tests" / "support")
    if str(PKG_ROOT) not in sys.path:
        sys.path.insert(0, str(PKG_ROOT))
    # `python -m pytest` puts the working directory (the plugin folder) on sys.path,
    # where our processing/ would shadow QGIS's processing module: take it off.
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != ROOT]


_link_package()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real sample files in ``../shared/data``; tests skip when it is absent."""
    if not (SHARED_DATA / "simple.las").is_file():
        pytest.skip(f"real sample data not found at {SHARED_DATA} (only in development and CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def optional_shared_data() -> Path | None:
    """The real sample folder when present, else None (for tests that only use it as extra)."""
    return SHARED_DATA if (SHARED_DATA / "simple.las").is_file() else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"citytwin package root: {PKG_ROOT}", f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '')}"]
