"""A surface raster (DSM or DTM) in memory, for line-of-sight work.

Heights are float64 with NaN for no-data; the grid is north-up (row 0 at the top) and
must be in a projected CRS whose unit is the metre, because horizon angles compare
heights with horizontal distances. Queries in another CRS are transformed into the
surface's CRS by the callers (:meth:`Surface.transformer_from`); a DTM on another grid
or CRS is warped onto the DSM's grid with GDAL (:meth:`Surface.read_like`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...common.errors import InputError
from ...common.gdal import gdal_exceptions, open_raster

#: No-data value of the rasters this package writes.
NODATA = -9999.0


@dataclass
class Surface:
    """Heights on a north-up grid.

    Attributes
    ----------
    z
        ``(rows, cols)`` float64 heights, NaN where unknown.
    x0, y0
        Upper-left corner (left edge, top edge) in CRS units.
    dx, dy
        Cell width and height, both positive.
    crs_wkt
        The CRS (WKT), None when the file has none.
    path
        The file it was read from (named in messages), if any.
    """

    z: np.ndarray
    x0: float
    y0: float
    dx: float
    dy: float
    crs_wkt: str | None = None
    path: Path | None = None

    # -- reading ----------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | Path, band: int = 1, require_metres: bool = True) -> Surface:
        """Read one band: scale and offset applied, no-data and mask cells set to NaN.

        Raises :class:`InputError` naming the file when it is unreadable, rotated, has no
        valid cell, or (``require_metres``) has no CRS or a CRS not in metres.
        """
        path = Path(path)
        with gdal_exceptions() as gdal:
            ds = open_raster(gdal, path)
            surface = cls._from_dataset(ds, band, path)
        if require_metres:
            surface.check_metric()
        return surface

    @classmethod
    def _from_dataset(cls, ds: Any, band_number: int, path: Path | None) -> Surface:
        from osgeo import gdal

        if not 1 <= band_number <= ds.RasterCount:
            raise InputError(f"band {band_number} does not exist (the raster has {ds.RasterCount})", source=path)
        band = ds.GetRasterBand(band_number)
        z = band.ReadAsArray().astype(np.float64)
        mask_flags = band.GetMaskFlags()
        if not mask_flags & gdal.GMF_ALL_VALID:
            z[band.GetMaskBand().ReadAsArray() == 0] = np.nan  # no-data value, per-dataset mask or alpha
        z = z * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)
        gt = tuple(ds.GetGeoTransform())
        if gt[2] or gt[4]:
            raise InputError("rotated rasters are not supported: warp it north-up first (gdalwarp)", source=path)
        if gt[5] > 0:  # south-up: flip to north-up
            z = z[::-1]
            gt = (gt[0], gt[1], 0.0, gt[3] + gt[5] * z.shape[0], 0.0, -gt[5])
        if not np.isfinite(z).any():
            raise InputError("the raster has no valid cell (all no-data)", source=path)
        return cls(z, gt[0], gt[3], abs(gt[1]), abs(gt[5]), ds.GetProjection() or None, path)

    @classmethod
    def from_terrain(cls, surfaces: Any, name: str = "dsm") -> Surface:
        """One surface (``"dsm"``, ``"dtm"`` or ``"ndsm"``) of a :class:`citytwin.twin.terrain.Surfaces`
        (rasters made from a point cloud), without writing it to a file."""
        values = np.asarray(getattr(surfaces, name), dtype=np.float64)
        z = np.where(surfaces.valid(name), values, np.nan)
        x0, dx, _, y0, _, dy = surfaces.spec.geotransform
        return cls(z, x0, y0, dx, abs(dy), surfaces.crs_wkt)

    def read_like(self, path: str | Path, band: int = 1) -> Surface:
        """Read another raster (a DTM) on this surface's grid: as is when the grids match,
        else warped with GDAL (bilinear, to this CRS, extent and cell size)."""
        path = Path(path)
        other = Surface.read(path, band, require_metres=False)
        if other.same_grid(self):
            return other
        if other.crs_wkt is None:
            raise InputError("the raster has no CRS, so it cannot be put on the DSM's grid", source=path)
        with gdal_exceptions() as gdal:
            warped = gdal.Warp(
                "",
                str(path),
                format="MEM",
                dstSRS=self.crs_wkt,
                outputBounds=self.bounds,
                width=self.n_cols,
                height=self.n_rows,
                resampleAlg="bilinear",
                outputType=gdal.GDT_Float64,
                dstNodata=np.nan,
            )
            result = Surface._from_dataset(warped, band, path)
        result.x0, result.y0, result.dx, result.dy = self.x0, self.y0, self.dx, self.dy
        return result

    def check_metric(self) -> None:
        """Raise :class:`InputError` unless the CRS is projected with metre units."""
        import pyproj

        if self.crs_wkt is None:
            raise InputError("the raster has no CRS: set one (a CRS is never guessed)", source=self.path)
        crs = pyproj.CRS.from_user_input(self.crs_wkt)
        if crs.is_compound:
            crs = crs.sub_crs_list[0]
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if not crs.is_projected or unit not in ("metre", "meter"):
            raise InputError(
                f"the raster's CRS ({crs.name}) is not projected in metres: horizon angles need metres; "
                "reproject it first (e.g. to the base CRS, CGCS2000 Gauss-Krüger)",
                source=self.path,
            )

    # -- the grid ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.z.shape

    @property
    def n_rows(self) -> int:
        return self.z.shape[0]

    @property
    def n_cols(self) -> int:
        return self.z.shape[1]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax)."""
        return (self.x0, self.y0 - self.n_rows * self.dy, self.x0 + self.n_cols * self.dx, self.y0)

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        return (self.x0, self.dx, 0.0, self.y0, 0.0, -self.dy)

    def same_grid(self, other: Surface, tolerance: float = 1e-6) -> bool:
        """Same shape, corner and cell size (CRS compared by the callers)."""
        return self.shape == other.shape and np.allclose(
            (self.x0, self.y0, self.dx, self.dy), (other.x0, other.y0, other.dx, other.dy), rtol=0, atol=tolerance
        )

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x of each column's centre and y of each row's centre (top row first)."""
        return (
            self.x0 + (np.arange(self.n_cols) + 0.5) * self.dx,
            self.y0 - (np.arange(self.n_rows) + 0.5) * self.dy,
        )

    def rows_cols(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of each point (int64), -1 for both outside the grid or NaN."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.x0) / self.dx)
            row = np.floor((self.y0 - y) / self.dy)
        inside = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        return np.where(inside, row, -1).astype(np.int64), np.where(inside, col, -1).astype(np.int64)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Height of the cell under each point; NaN outside the grid or on no-data."""
        rows, cols = self.rows_cols(x, y)
        inside = rows >= 0
        out = np.full(rows.shape, np.nan)
        out[inside] = self.z[rows[inside], cols[inside]]
        return out

    def transformer_from(self, crs: Any) -> Any | None:
        """A pyproj transformer (x, y order) from ``crs`` into this surface's CRS, or None
        when they are the same CRS."""
        import pyproj

        if self.crs_wkt is None:
            raise InputError("the raster has no CRS: set one (a CRS is never guessed)", source=self.path)
        source = pyproj.CRS.from_user_input(crs)
        target = pyproj.CRS.from_user_input(self.crs_wkt)
        if source.equals(target, ignore_axis_order=True):
            return None
        return pyproj.Transformer.from_crs(source, target, always_xy=True)

    def indoor(self, receiver_z: np.ndarray, tolerance: float) -> np.ndarray:
        """Cells where a receiver at ``receiver_z`` (this grid's shape) is inside a building.

        That is where the DSM is more than ``tolerance`` above it, and in the DSM's holes (no
        lidar return: a dark or glass roof, or cells finer than the point spacing) that belong
        to a roof:

        - a hole with at least 5 of its 8 neighbours roof (repeated while it fills cells, which
          closes the roof's ragged edge; a street hole along a facade has 3, 5 only in the
          inner corner of an L);
        - a patch of holes (4-connected) whose valued neighbours are at least 75 % roof: a
          patch inside a roof. Holes of the street or a courtyard touch mostly ground.
        """
        from scipy.ndimage import convolve, label

        with np.errstate(invalid="ignore"):
            above = self.z > receiver_z + tolerance
        hole = ~np.isfinite(self.z)
        if not hole.any():
            return above
        ring = np.ones((3, 3), dtype=np.int32)
        ring[1, 1] = 0
        for _ in range(8):  # each pass trims one cell off the ragged edge; a few suffice
            filled = hole & ~above & (convolve(above.astype(np.int32), ring, mode="nearest") >= 5)
            if not filled.any():
                break
            above |= filled
        open_holes = hole & ~above
        labels, count = label(open_holes)  # 4-connected
        if count:
            roof = np.zeros(count + 1)
            valued = np.zeros(count + 1)
            # Each (hole, valued 4-neighbour) pair counts once for the hole's patch.
            for shift, axis in ((1, 0), (-1, 0), (1, 1), (-1, 1)):
                neighbour_hole = np.roll(open_holes, shift, axis)
                neighbour_roof = np.roll(above, shift, axis)
                edge = np.zeros_like(open_holes)  # np.roll wraps: the wrapped row/column is not a neighbour
                index = [slice(None), slice(None)]
                index[axis] = slice(0, 1) if shift == 1 else slice(-1, None)
                edge[tuple(index)] = True
                pair = open_holes & ~neighbour_hole & ~edge
                np.add.at(valued, labels[pair], 1.0)
                np.add.at(roof, labels[pair], neighbour_roof[pair].astype(float))
            enclosed = np.zeros(count + 1, dtype=bool)
            enclosed[1:] = (valued[1:] > 0) & (roof[1:] >= 0.75 * valued[1:])
            above |= enclosed[labels] & open_holes
        return above

    def write(self, values: np.ndarray, path: str | Path, nodata: float = NODATA) -> Path:
        """Write ``values`` (this grid's shape, NaN for no-data) as a float32 GeoTIFF, atomically."""
        from ...twin.terrain import write_geotiff

        values = np.where(np.isfinite(values), values, nodata)
        return write_geotiff(values, self, self.crs_wkt, path, nodata)
