"""Earth-centred, Earth-fixed (ECEF, EPSG:4978) placement of the base's local frames.

3D Tiles place content on the Earth through a 4 x 4 ``transform`` to ECEF. A
:class:`LocalFrame` is an east/north/up (ENU) tangent frame at an origin near the data:
points go base CRS -> ECEF with pyproj, then ECEF -> ENU with a rotation and a
translation (exact float64 arithmetic), so tile content stays small numbers that
float32 holds to well under a millimetre, and the tileset's root ``transform``
(ENU -> ECEF) puts it back on the Earth.

This is not the same as taking projected coordinates as east/north: a Gauss-Krüger
grid is rotated from true north by the meridian convergence (up to about 1.5 degrees
at the edge of a 3-degree zone) and the Earth curves away from a flat plane by
d^2 / 2R (8 cm at 1 km). Going through ECEF keeps every point where it belongs.

Datums and heights (what pyproj/PROJ does here, and why it is right for a city base):

- CGCS2000 (EPSG:4490 and its Gauss-Krüger grids EPSG:4491-4554) and WGS 84 agree to a
  few centimetres (both are ITRF realisations; their ellipsoids differ by 0.1 mm in the
  semi-minor axis) and EPSG publishes no transformation between them, so PROJ applies a
  "ballpark" null transformation: CGCS2000 coordinates are taken as WGS 84 ones. The
  manifest records the operation PROJ used.
- Heights are taken as they are: a 2D CRS's z, or a compound CRS's vertical part (for
  example Yellow Sea 1985, EPSG:5737) without a geoid model, is used as ellipsoidal
  height. A package shown on its own (no globe terrain) is unaffected; laid over a
  global terrain model it sits off by the geoid undulation (about -8 to -10 m around
  Beijing). The manifest says so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..common.errors import InputError
from . import voxel_kernel

ECEF = "EPSG:4978"
GEOGRAPHIC_3D = "EPSG:4979"
#: Spacing of the interpolation grid of :class:`EnuGrid` (m) and the error it must stay under.
GRID_STEP = 50.0
GRID_TOLERANCE = 0.001


@functools.lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Any:
    # Creating a transformer searches PROJ's database (about 0.5 s for a CGCS2000 grid to ECEF).
    import pyproj

    return pyproj.Transformer.from_crs(source, target, always_xy=True)


if voxel_kernel.AVAILABLE:
    from numba import njit

    @njit(cache=True, nogil=True)
    def _interpolate(x, y, z, x0, y0, inv, a, n, out):  # pragma: no cover - compiled
        rows, cols = a.shape[0], a.shape[1]
        for i in range(x.shape[0]):
            fx = (x[i] - x0) * inv
            fy = (y[i] - y0) * inv
            c = min(max(int(np.floor(fx)), 0), cols - 2)
            r = min(max(int(np.floor(fy)), 0), rows - 2)
            tx = fx - c
            ty = fy - r
            w00 = (1 - tx) * (1 - ty)
            w01 = tx * (1 - ty)
            w10 = (1 - tx) * ty
            w11 = tx * ty
            for k in range(3):
                base = w00 * a[r, c, k] + w01 * a[r, c + 1, k] + w10 * a[r + 1, c, k] + w11 * a[r + 1, c + 1, k]
                up = w00 * n[r, c, k] + w01 * n[r, c + 1, k] + w10 * n[r + 1, c, k] + w11 * n[r + 1, c + 1, k]
                out[i, k] = base + z[i] * up


def enu_rotation(lon_deg: float, lat_deg: float) -> np.ndarray:
    """3 x 3 rotation whose rows are the east, north and up unit vectors in ECEF."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    sl, cl, sp, cp = np.sin(lon), np.cos(lon), np.sin(lat), np.cos(lat)
    return np.array(
        [
            [-sl, cl, 0.0],
            [-sp * cl, -sp * sl, cp],
            [cp * cl, cp * sl, sp],
        ]
    )


class _Chain:
    """Two transformers applied one after the other (``transform`` and ``description`` as pyproj's)."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second
        self.description = f"{first.description} + {second.description}"

    def transform(self, x, y, z):
        return self.second.transform(*self.first.transform(x, y, z))


@dataclass
class LocalFrame:
    """An ENU tangent frame at ``origin`` (base CRS coordinates) and the transforms to reach it.

    Attributes
    ----------
    crs_wkt
        The base CRS (the CRS of the coordinates given to :meth:`to_enu`).
    origin
        (3,) the frame's origin in the base CRS.
    origin_ecef
        (3,) the origin in ECEF metres.
    lon, lat, height
        The origin in WGS 84 geographic coordinates (degrees, ellipsoidal metres).
    rotation
        ECEF -> ENU rotation (rows east, north, up).
    operation
        PROJ's description of the base CRS -> ECEF operation (recorded in manifests).
    """

    crs_wkt: str
    origin: np.ndarray
    origin_ecef: np.ndarray
    lon: float
    lat: float
    height: float
    rotation: np.ndarray
    operation: str
    _to_ecef: Any = field(repr=False, default=None)
    _from_ecef: Any = field(repr=False, default=None)

    @classmethod
    def at(cls, crs: Any, origin: Any) -> LocalFrame:
        """The frame at ``origin`` (x, y, z in ``crs``: anything pyproj takes)."""
        import pyproj

        try:
            crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise InputError(f"unusable CRS for the scene package: {exc}") from exc
        if crs.is_geocentric:
            raise InputError("the base CRS is geocentric: give the projected or geographic CRS of the data")
        # Through WGS 84 geographic 3D: the same operation PROJ picks for the CRS -> ECEF pair
        # (ballpark datum shift, then the exact geodetic -> geocentric conversion), found in
        # PROJ's database five times faster than with the geocentric CRS as the target.
        to_ecef = _Chain(_transformer(crs.to_wkt(), GEOGRAPHIC_3D), _transformer(GEOGRAPHIC_3D, ECEF))
        origin = np.asarray(origin, dtype=np.float64).reshape(3)
        ecef = np.array(to_ecef.transform(*origin), dtype=np.float64)
        if not np.all(np.isfinite(ecef)):
            raise InputError(f"the origin {origin.tolist()} cannot be placed on the Earth from CRS {crs.name}")
        to_geo = _transformer(ECEF, GEOGRAPHIC_3D)
        lon, lat, height = to_geo.transform(*ecef)
        return cls(
            crs_wkt=crs.to_wkt(),
            origin=origin,
            origin_ecef=ecef,
            lon=float(lon),
            lat=float(lat),
            height=float(height),
            rotation=enu_rotation(lon, lat),
            operation=to_ecef.description,
            _to_ecef=to_ecef,
        )

    def to_ecef(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(N, 3) ECEF coordinates of base-CRS points."""
        ecef = np.column_stack(self._to_ecef.transform(x, y, z))
        if not np.all(np.isfinite(ecef)):
            bad = int(np.flatnonzero(~np.isfinite(ecef).all(axis=1))[0])
            raise InputError(f"point ({x[bad]}, {y[bad]}, {z[bad]}) is outside the area of the base CRS")
        return ecef

    def to_enu(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(N, 3) float64 east/north/up offsets from the origin of base-CRS points."""
        return self.ecef_to_enu(self.to_ecef(x, y, z))

    @property
    def is_geographic(self) -> bool:
        import pyproj

        return pyproj.CRS.from_user_input(self.crs_wkt).is_geographic

    def same_crs(self, crs: Any) -> bool:
        """True when ``crs`` is the frame's CRS (no reprojection needed to reach it)."""
        import pyproj

        return crs is not None and pyproj.CRS.from_user_input(crs).equals(self.crs_wkt, ignore_axis_order=True)

    # Written out per component rather than as ``@``: a (N, 3) x (3, 3) product goes
    # through BLAS, whose threads make it many times slower on a busy 2-core machine.
    def ecef_to_enu(self, ecef: np.ndarray) -> np.ndarray:
        ecef = np.asarray(ecef, dtype=np.float64)
        d = [ecef[:, k] - self.origin_ecef[k] for k in range(3)]
        r = self.rotation
        return np.column_stack([r[i, 0] * d[0] + r[i, 1] * d[1] + r[i, 2] * d[2] for i in range(3)])

    def enu_to_ecef(self, enu: np.ndarray) -> np.ndarray:
        enu = np.asarray(enu, dtype=np.float64)
        r = self.rotation
        return np.column_stack(
            [r[0, k] * enu[:, 0] + r[1, k] * enu[:, 1] + r[2, k] * enu[:, 2] + self.origin_ecef[k] for k in range(3)]
        )

    def from_enu(self, enu: np.ndarray) -> np.ndarray:
        """(N, 3) base-CRS coordinates of ENU offsets (the inverse of :meth:`to_enu`)."""
        ecef = self.enu_to_ecef(enu)
        if self._from_ecef is None:  # made on first use: creating a transformer costs about 0.5 s
            self._from_ecef = _transformer(ECEF, self.crs_wkt)
        return np.column_stack(self._from_ecef.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2]))

    def transform(self) -> list[float]:
        """The ENU -> ECEF 4 x 4 matrix, column-major, as 3D Tiles' ``transform`` wants it."""
        matrix = np.eye(4)
        matrix[:3, :3] = self.rotation.T  # columns: east, north, up in ECEF
        matrix[:3, 3] = self.origin_ecef
        return [float(v) for v in matrix.T.ravel()]


def matrix_from_transform(values: list[float]) -> np.ndarray:
    """A 3D Tiles column-major ``transform`` as a 4 x 4 row-major matrix."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (16,):
        raise ValueError("a 3D Tiles transform has 16 numbers")
    return values.reshape(4, 4).T


class EnuGrid:
    """Fast base CRS -> ENU over an extent: exact values on a grid, interpolated in between.

    Why: pyproj costs about 0.4 us a point (4 s for 10M), the largest part of a package
    export. The map (x, y, h) -> ENU is, for fixed (x, y), exactly linear in the height
    (ECEF = P(lat, lon) + h * normal(lat, lon); a vertical datum shift only adds a smooth
    offset to h), so ENU = A(x, y) + h * N(x, y) with A and N smooth: bilinear
    interpolation between grid nodes GRID_STEP apart errs by about step^2 / 8R (0.05 mm
    at 50 m). Every batch is checked against pyproj on a sample of its points (extremes
    included); a batch that errs by more than GRID_TOLERANCE, or no numba, falls back
    to pyproj for that batch, so the result is never worse than GRID_TOLERANCE.
    """

    def __init__(self, frame: LocalFrame, extent: tuple[float, float, float, float], step: float | None = None):
        self.frame = frame
        if step is None:  # GRID_STEP metres, in the CRS's units (degrees for a geographic CRS)
            step = GRID_STEP / 111_000.0 if frame.is_geographic else GRID_STEP
        xmin, ymin, xmax, ymax = extent
        self.x0, self.y0, self.step = xmin - step, ymin - step, step
        cols = int(np.ceil((xmax - self.x0) / step)) + 2
        rows = int(np.ceil((ymax - self.y0) / step)) + 2
        self.usable = voxel_kernel.AVAILABLE and rows * cols <= 1_000_000
        self.fallbacks = 0
        if not self.usable:
            return
        gx, gy = np.meshgrid(self.x0 + np.arange(cols) * step, self.y0 + np.arange(rows) * step)
        x, y = gx.ravel(), gy.ravel()
        low = frame.to_enu(x, y, np.zeros(x.size))
        high = frame.to_enu(x, y, np.full(x.size, 1000.0))
        self.a = np.ascontiguousarray(low.reshape(rows, cols, 3))
        self.n = np.ascontiguousarray(((high - low) / 1000.0).reshape(rows, cols, 3))

    def to_enu(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(N, 3) ENU of base-CRS points, within GRID_TOLERANCE of :meth:`LocalFrame.to_enu`."""
        if not self.usable or len(x) == 0:
            return self.frame.to_enu(x, y, z)
        out = np.empty((len(x), 3))
        _interpolate(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.float64),
            np.ascontiguousarray(z, dtype=np.float64),
            self.x0,
            self.y0,
            1.0 / self.step,
            self.a,
            self.n,
            out,
        )
        check = np.unique(np.r_[np.linspace(0, len(x) - 1, 64).astype(np.int64), np.argmin(x), np.argmax(x),
                                np.argmin(y), np.argmax(y), np.argmin(z), np.argmax(z)])  # fmt: skip
        exact = self.frame.to_enu(x[check], y[check], z[check])
        if np.abs(exact - out[check]).max() > GRID_TOLERANCE:
            self.fallbacks += 1
            return self.frame.to_enu(x, y, z)
        return out
