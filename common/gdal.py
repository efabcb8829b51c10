"""GDAL helpers shared by every module that reads or writes rasters."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError


@contextlib.contextmanager
def gdal_exceptions() -> Iterator[Any]:
    """GDAL and OSR raising exceptions for the duration of the block.

    The switch is process-wide in GDAL 3.6's bindings; the previous state is restored so
    that other plugins relying on GDAL's default (return codes) keep working.
    """
    from osgeo import gdal, osr

    saved = (gdal.GetUseExceptions(), osr.GetUseExceptions())
    gdal.UseExceptions()
    osr.UseExceptions()
    try:
        yield gdal
    finally:
        # GDAL keeps a stack of error handlers: pop them in reverse order, or it refuses.
        if not saved[1]:
            osr.DontUseExceptions()
        if not saved[0]:
            gdal.DontUseExceptions()


def open_raster(gdal: Any, path: Path) -> Any:
    """Open ``path`` read-only as a raster, or raise :class:`InputError`."""
    virtual = str(path).startswith("/vsi")
    if not virtual:
        if not path.exists():
            raise InputError("file not found", source=path)
        if path.is_file() and path.stat().st_size == 0:
            raise InputError("the file is empty", source=path)
    try:
        ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise InputError(f"not a readable raster image (GDAL: {exc})", source=path) from exc
    if ds is None:  # pragma: no cover - with exceptions on, GDAL raises instead
        raise InputError("not a readable raster image", source=path)
    if ds.RasterCount == 0:
        raise InputError("the file has no raster bands", source=path)
    if ds.RasterXSize == 0 or ds.RasterYSize == 0:
        raise InputError("the image is empty (0 pixels)", source=path)
    return ds
