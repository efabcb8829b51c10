"""Horizons, sky-view factor and open sky from a DSM, against closed forms, bounds derived
from the sampling rule, and a plain per-ray reference."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyproj
import pytest
from osgeo import gdal, osr

from citytwin.common.errors import Canceled, InputError
from citytwin.processing.navcomm import horizon
from citytwin.processing.navcomm.horizon import (
    _reference_horizon,
    horizon_elevation,
    open_sky_fraction,
    sector_azimuths,
    sky_view,
    sky_view_grid,
    svf_from_horizon,
)
from citytwin.processing.navcomm.horizon_kernel import STEP_GROWTH
from citytwin.processing.navcomm.surface import Surface

WKT = pyproj.CRS.from_epsg(4548).to_wkt()  # CGCS2000 / 3-degree Gauss-Kruger CM 117E, metres
X0, Y0 = 500_000.0, 3_400_000.0
HALF_DIAGONAL = math.sqrt(2) / 2  # farthest a point is from its (1 m) cell's centre


def make_surface(z, dx: float = 1.0, dy: float = 1.0, crs: str | None = WKT) -> Surface:
    return Surface(np.asarray(z, dtype=np.float64), X0, Y0, dx, dy, crs)


def centre(surface: Surface, row: int, col: int) -> tuple[float, float]:
    return X0 + (col + 0.5) * surface.dx, Y0 - (row + 0.5) * surface.dy


def step(d: float, cell: float = 1.0) -> float:
    """Largest sample spacing reaching distance d (the module's stated rule)."""
    return max(cell, STEP_GROWTH * d)


def bound(d: float, cell: float = 1.0) -> float:
    """Stated bound on the underestimate of an obstacle's angle at distance d, radians."""
    return step(d, cell) / (2 * d)


def random_city(n_rows: int, n_cols: int, seed: int, holes: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = 20.0 + rng.normal(0, 0.05, (n_rows, n_cols))
    for r in range(3, n_rows - 8, 17):
        for c in range(2, n_cols - 8, 15):
            z[r : r + rng.integers(4, 12), c : c + rng.integers(4, 11)] += rng.uniform(3, 45)
    if holes:
        z[rng.random(z.shape) < 0.01] = np.nan
        z[30:36, 10:25] = np.nan
    return z


# -- a single box ---------------------------------------------------------------------------
BOX_H, RX_H = 20.0, 1.5
BOX_ROWS, BOX_COLS = (40, 61), (90, 111)  # 21 x 21 cells, its south face at row 61's top edge


def box_surface(value: float = BOX_H) -> Surface:
    z = np.zeros((401, 201))
    z[BOX_ROWS[0] : BOX_ROWS[1], BOX_COLS[0] : BOX_COLS[1]] = value
    return make_surface(z)


@pytest.mark.parametrize("row", [66, 80, 100, 150, 200, 260])
def test_box_face_seen_square_on_at_its_closed_form_angle(row):
    surface = box_surface()
    x, y = centre(surface, row, 100)
    d = row - BOX_ROWS[1] + 0.5  # receiver at its cell's centre, face on a cell edge
    rays = horizon_elevation(surface, [x], [y], [RX_H], [0.0], max_distance=float(row))  # the top edge: row + 0.5
    truth = math.atan((BOX_H - RX_H) / d)
    got = math.radians(rays.elevation_deg[0, 0])
    assert truth - bound(d) <= got <= truth + 1e-12  # sampling can only be late, never early
    assert not rays.truncated[0, 0] and rays.gap_fraction[0, 0] == 0.0


def test_box_not_seen_gives_the_flat_ground_horizon():
    surface = box_surface()
    x, y = centre(surface, 150, 100)  # the box spans +-6.7 degrees of north from here
    azimuths = np.arange(30.0, 331.0, 15.0)
    rays = horizon_elevation(surface, [x], [y], [RX_H], azimuths, max_distance=1000.0)
    # Flat ground 1.5 m below the receiver: tan = -1.5 / d, largest at the last sample on the
    # raster, which lies within one step of the raster's edge (the ray is truncated there).
    sin, cos = np.sin(np.radians(azimuths)), np.cos(np.radians(azimuths))
    to_x = 100.5 / np.maximum(np.abs(sin), 1e-12)  # the receiver is 100.5 m from both side edges
    to_y = np.where(cos > 0, 150.5, 250.5) / np.maximum(np.abs(cos), 1e-12)
    edge = np.minimum(to_x, to_y)
    low = -np.arctan(RX_H / (edge - np.maximum(1.0, STEP_GROWTH * edge)))
    high = -np.arctan(RX_H / edge)
    got = np.radians(rays.elevation_deg[0])
    assert np.all((got >= low - 1e-12) & (got <= high + 1e-12))
    assert svf_from_horizon(rays.elevation_deg)[0] == 1.0  # clipped at 0: nothing blocks
    assert rays.truncated.all()


def test_flat_open_ground_has_full_sky():
    surface = make_surface(np.full((81, 81), 12.0))
    x, y = centre(surface, 40, 40)
    view = sky_view(surface, [x], [y], [13.5])
    assert np.all(view.horizon_deg < 0)
    assert view.svf[0] == 1.0 and view.open_sky[0] == 1.0
    assert view.truncated.all()  # the raster is far smaller than 1 km


# -- canyon ---------------------------------------------------------------------------------
def canyon(height: float, width: int, length: int = 301, depth: int = 40) -> tuple[Surface, float, float]:
    """A north-south street ``width`` cells wide between walls ``height`` tall reaching the raster's edge."""
    z = np.full((length, width + 2 * depth), height)
    z[:, depth : depth + width] = 0.0
    surface = make_surface(z)
    return (surface, *centre(surface, length // 2, depth + width // 2))


def canyon_horizon(height: float, width: float, azimuth_deg: np.ndarray) -> np.ndarray:
    """Closed form at the floor's centre: atan(2H|sin a| / W), radians."""
    return np.arctan(2 * height * np.abs(np.sin(np.radians(azimuth_deg))) / width)


def canyon_horizon_interval(height: float, width: float, azimuths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the sampled horizon must lie, radians: the wall's face is d = (W/2)/|sin a| away
    and the first sample on the wall lies less than one step behind it (no wall along the street)."""
    sin = np.abs(np.sin(np.radians(azimuths)))
    wall = sin > 1e-9
    d = (width / 2) / np.where(wall, sin, 1.0)
    steps = np.maximum(1.0, STEP_GROWTH * d)
    return np.where(wall, np.arctan(height / (d + steps)), 0.0), np.where(wall, np.arctan(height / d), 0.0)


@pytest.mark.parametrize(("height", "width"), [(10.5, 21), (21.0, 21), (42.0, 21), (15.0, 11), (20.0, 41)])
def test_canyon_svf_matches_cos_atan_2h_over_w(height, width):
    surface, x, y = canyon(height, width)
    view = sky_view(surface, [x], [y], [0.0], sectors=72)
    closed = math.cos(math.atan(2 * height / width))
    azimuths = sector_azimuths(72)
    discrete = 1 - np.mean(np.sin(canyon_horizon(height, width, azimuths)) ** 2)  # 72-sector quadrature
    low, high = canyon_horizon_interval(height, width, azimuths)
    svf_low, svf_high = 1 - np.mean(np.sin(high) ** 2), 1 - np.mean(np.sin(low) ** 2)
    assert svf_low - 1e-12 <= view.svf[0] <= svf_high + 1e-12
    assert abs(view.svf[0] - closed) <= (svf_high - svf_low) + abs(discrete - closed)
    assert abs(discrete - closed) < 1e-6  # the sector sum of this smooth function is spectrally accurate
    assert svf_high - svf_low < 0.035  # one cell of 1 m: the check is tight enough to mean something


@pytest.mark.parametrize(("height", "width", "mask"), [(10.5, 21, 25.0), (21.0, 21, 15.0), (42.0, 21, 25.0)])
def test_canyon_open_sky_matches_integrated_closed_form(height, width, mask):
    surface, x, y = canyon(height, width)
    view = sky_view(surface, [x], [y], [0.0], sectors=72, mask_deg=mask)
    m = math.radians(mask)

    def open_sky(h):
        return np.mean((1 - np.sin(np.maximum(h, m))) / (1 - math.sin(m)))

    # The integral over azimuth of the closed-form horizon, by a fine midpoint rule.
    integral = open_sky(canyon_horizon(height, width, (np.arange(360_000) + 0.5) / 1000.0))
    azimuths = sector_azimuths(72)
    quadrature = abs(open_sky(canyon_horizon(height, width, azimuths)) - integral)  # 72 sectors vs the integral
    low, high = canyon_horizon_interval(height, width, azimuths)
    assert open_sky(high) - 1e-12 <= view.open_sky[0] <= open_sky(low) + 1e-12
    assert abs(view.open_sky[0] - integral) <= open_sky(low) - open_sky(high) + quadrature
    assert open_sky(low) - open_sky(high) + quadrature < 0.05


# -- pit, hill --------------------------------------------------------------------------------
def test_receiver_in_a_round_pit():
    radius, depth, n = 30.0, 12.0, 161
    rows, cols = np.mgrid[0:n, 0:n]
    r = np.hypot(rows - n // 2, cols - n // 2)  # distance of each cell's centre from the pit's centre cell
    surface = make_surface(np.where(r < radius, 0.0, depth))
    x, y = centre(surface, n // 2, n // 2)
    view = sky_view(surface, [x], [y], [RX_H], sectors=36)
    # A sample at distance d lies in a cell whose centre is within half a diagonal of it, and
    # some sample falls within one step beyond R + half a diagonal.
    high = math.atan((depth - RX_H) / (radius - HALF_DIAGONAL))
    low = math.atan((depth - RX_H) / (radius + HALF_DIAGONAL + step(radius)))
    h = np.radians(view.horizon_deg[0])
    assert np.all((h >= low) & (h <= high))
    assert math.cos(high) ** 2 <= view.svf[0] <= math.cos(low) ** 2


def test_hill_top_has_a_negative_horizon():
    slope, n, max_distance = 0.3, 401, 150.0
    rows, cols = np.mgrid[0:n, 0:n]
    r = np.hypot(rows - n // 2, cols - n // 2)
    surface = make_surface(300.0 - slope * r)
    x, y = centre(surface, n // 2, n // 2)
    rays = horizon_elevation(surface, [x], [y], [300.0 + RX_H], sector_azimuths(24), max_distance=max_distance)
    # tan = (-s r_c - h) / d with |r_c - d| <= half a diagonal, largest at the last sample,
    # which is within one step of max_distance.
    d_min, d_max = max_distance - step(max_distance), max_distance
    low = math.atan(-slope - (RX_H + slope * HALF_DIAGONAL) / d_min)
    high = math.atan(-slope + (slope * HALF_DIAGONAL - RX_H) / d_max)
    h = np.radians(rays.elevation_deg[0])
    assert np.all((h >= low) & (h <= high))
    assert high < 0
    assert svf_from_horizon(rays.elevation_deg)[0] == 1.0
    assert not rays.truncated.any()


# -- no-data, outside, CRS, parameters ------------------------------------------------------------
def test_nodata_holes_do_not_block_and_are_reported():
    surface = box_surface(value=np.nan)
    row = 100
    x, y = centre(surface, row, 100)
    rays = horizon_elevation(surface, [x], [y], [RX_H], [0.0, 180.0], max_distance=1000.0)
    assert rays.elevation_deg[0, 0] < 0  # nothing but flat ground once the hole is ignored
    # Samples on the raster going north: distances below row + 0.5 (the top edge); in the
    # hole: distances from its south face to its north face.
    d = horizon.ray_distances(1.0, 1000.0)
    # Row floor(100.5 - d) is in the box (rows 40..60) for 39.5 < d <= 60.5, on the raster for d <= 100.5.
    face, back = row - BOX_ROWS[1] + 0.5, row - BOX_ROWS[0] + 0.5
    expected = np.sum((d > face) & (d <= back)) / np.sum(d <= row + 0.5)
    assert rays.gap_fraction[0, 0] == pytest.approx(expected, abs=1e-15)
    assert rays.gap_fraction[0, 1] == 0.0
    assert rays.truncated[0].all()


def test_hole_in_front_of_a_building_does_not_change_its_horizon():
    z = box_surface().z.copy()
    z[70:80, 95:106] = np.nan  # a hole between the receiver and the box
    surface = make_surface(z)
    x, y = centre(surface, 100, 100)
    with_hole = horizon_elevation(surface, [x], [y], [RX_H], [0.0])
    without = horizon_elevation(box_surface(), [x], [y], [RX_H], [0.0])
    assert with_hole.elevation_deg[0, 0] == without.elevation_deg[0, 0]
    assert with_hole.gap_fraction[0, 0] > 0


def test_points_outside_give_nan_and_a_flag():
    surface = box_surface()
    x_in, y_in = centre(surface, 100, 100)
    x = [x_in, X0 - 5.0, x_in, X0 + 201.0, np.nan]
    y = [y_in, y_in, Y0 + 0.5, y_in, y_in]
    view = sky_view(surface, x, y, [RX_H] * 5, sectors=8)
    assert view.outside.tolist() == [False, True, True, True, True]
    assert np.isfinite(view.svf[0]) and np.isnan(view.svf[1:]).all()
    assert np.isnan(view.horizon_deg[1:]).all() and not view.truncated[1:].any()


def test_a_receiver_with_unknown_height_gets_nan_without_being_outside():
    surface = box_surface()
    rays = horizon_elevation(surface, *([v] for v in centre(surface, 100, 100)), [np.nan], [0.0, 90.0])
    assert np.isnan(rays.elevation_deg).all() and not rays.outside[0]


def write_geographic_tif(path: Path) -> Path:
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 10, 10, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((116.3, 0.0001, 0, 39.9, 0, -0.0001))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.full((10, 10), 50.0, dtype=np.float32))
    ds = None
    return path


def test_geographic_dsm_is_rejected_naming_the_file(tmp_path):
    path = write_geographic_tif(tmp_path / "dsm_wgs84.tif")
    with pytest.raises(InputError, match="dsm_wgs84.tif.*not projected in metres"):
        Surface.read(path)
    surface = Surface.read(path, require_metres=False)  # and the functions check it themselves
    with pytest.raises(InputError, match="dsm_wgs84.tif.*not projected in metres"):
        sky_view(surface, [116.3005], [39.8995], [52.0])
    with pytest.raises(InputError, match="dsm_wgs84.tif"):
        sky_view_grid(surface)


def test_surface_without_crs_is_rejected():
    with pytest.raises(InputError, match="no CRS"):
        horizon_elevation(make_surface(np.zeros((5, 5)), crs=None), [X0 + 2], [Y0 - 2], [1.0], [0.0])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sectors": 3}, "sectors"),
        ({"sectors": 7.5}, "sectors"),
        ({"max_distance": 0.0}, "max_distance"),
        ({"max_distance": -10.0}, "max_distance"),
        ({"max_distance": 0.5}, "max_distance"),  # shorter than a cell
        ({"mask_deg": 90.0}, "mask_deg"),
    ],
)
def test_bad_parameters_are_named(kwargs, field):
    surface = box_surface()
    x, y = centre(surface, 100, 100)
    with pytest.raises(InputError) as raised:
        sky_view(surface, [x], [y], [RX_H], **kwargs)
    assert raised.value.field == field and field in str(raised.value)
    with pytest.raises(InputError) as raised:
        sky_view_grid(make_surface(np.zeros((4, 4))), **kwargs)
    assert raised.value.field == field


def test_azimuths_must_fit_the_receivers():
    surface = box_surface()
    with pytest.raises(InputError) as raised:
        horizon_elevation(surface, [X0 + 5, X0 + 6], [Y0 - 5, Y0 - 6], [1.0, 1.0], np.zeros((3, 4)))
    assert raised.value.field == "azimuth_deg"


# -- measures -------------------------------------------------------------------------------------
def test_measures_of_a_constant_horizon():
    h = np.full((1, 36), 30.0)
    assert svf_from_horizon(h)[0] == pytest.approx(math.cos(math.radians(30)) ** 2)
    assert open_sky_fraction(h, 0.0)[0] == pytest.approx(1 - math.sin(math.radians(30)))  # solid-angle share
    assert open_sky_fraction(h, 30.0)[0] == pytest.approx(1.0)  # the mask hides exactly what the horizon does
    half = np.where(np.arange(36) < 18, 60.0, -5.0)[None, :]
    expected = 0.5 * (1 - math.sin(math.radians(60))) / (1 - math.sin(math.radians(20))) + 0.5
    assert open_sky_fraction(half, 20.0)[0] == pytest.approx(expected)


# -- the kernel against the plain reference ----------------------------------------------------------
@pytest.mark.parametrize(("holes", "dx", "dy"), [(False, 1.0, 1.0), (True, 1.0, 1.0), (True, 2.0, 0.75)])
def test_kernel_matches_the_plain_reference_exactly(holes, dx, dy):
    z = random_city(120, 110, seed=7, holes=holes)
    surface = make_surface(z, dx, dy)
    rng = np.random.default_rng(11)
    n = 25
    x = X0 + rng.uniform(0, 110 * dx, n)
    y = Y0 - rng.uniform(0, 120 * dy, n)
    zr = 20.0 + rng.uniform(-3.0, 70.0, n)  # from below the ground (negative horizons) to above every roof
    azimuths = rng.uniform(0, 360, (n, 24))
    rays = horizon_elevation(surface, x, y, zr, azimuths, max_distance=90.0)
    shared = horizon_elevation(surface, x, y, zr, sector_azimuths(24), max_distance=90.0)
    for i in range(n):
        for per_point, result, az in ((True, rays, azimuths[i]), (False, shared, sector_azimuths(24))):
            elevation, gaps, truncated = _reference_horizon(surface, x[i], y[i], zr[i], az, max_distance=90.0)
            assert np.array_equal(result.elevation_deg[i], elevation), (i, per_point)
            assert np.array_equal(result.gap_fraction[i], gaps), (i, per_point)
            assert np.array_equal(result.truncated[i], truncated), (i, per_point)
    assert rays.truncated.any() and not rays.truncated.all()
    assert (rays.elevation_deg < 0).any() and (rays.elevation_deg > 20).any()


def test_without_numba_the_same_numbers(tmp_path):
    """The plain-Python fallback of the kernel (no numba) against the reference."""
    root = Path(__file__).resolve().parents[2] / "build" / "pkgroot"  # holds the citytwin link (conftest)
    script = f"""
import numpy as np, pyproj, sys
sys.path.insert(0, {str(root)!r})
from citytwin.processing.navcomm import horizon_kernel
assert not horizon_kernel.AVAILABLE
from citytwin.processing.navcomm.horizon import horizon_elevation, _reference_horizon
from citytwin.processing.navcomm.surface import Surface
rng = np.random.default_rng(3)
z = 5 + rng.uniform(0, 1, (30, 30)); z[10:14, 5:20] = 25; z[20:22, 3:9] = np.nan
s = Surface(z, 0.0, 30.0, 1.0, 1.0, pyproj.CRS.from_epsg(4548).to_wkt())
x, y, h = rng.uniform(0, 30, 4), rng.uniform(0, 30, 4), rng.uniform(4, 30, 4)
az = np.arange(0, 360, 45.0)
rays = horizon_elevation(s, x, y, h, az, max_distance=25.0)
for i in range(4):
    e, g, t = _reference_horizon(s, x[i], y[i], h[i], az, max_distance=25.0)
    assert np.array_equal(e, rays.elevation_deg[i]) and np.array_equal(g, rays.gap_fraction[i])
    assert np.array_equal(t, rays.truncated[i])
print("SAME")
"""
    env = {**os.environ, "CITYTWIN_NO_NUMBA": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "SAME" in done.stdout


# -- the grid ---------------------------------------------------------------------------------------------
def city_with_ground(holes: bool = False) -> tuple[Surface, Surface]:
    z = random_city(70, 64, seed=5, holes=holes)
    dtm = make_surface(np.full(z.shape, 20.0))
    return make_surface(z), dtm


@pytest.mark.parametrize("step_", [1, 3, 4])
def test_grid_agrees_with_point_queries_at_the_cell_centres(step_):
    dsm, dtm = city_with_ground(holes=True)
    grid = sky_view_grid(dsm, dtm, receiver_height=1.5, sectors=36, max_distance=60.0, mask_deg=20.0, step=step_)
    xs, ys = grid.grid.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    # The receivers of the grid's cells are the DSM's cells under those centres.
    rows, cols = dsm.rows_cols(gx.ravel(), gy.ravel())
    assert (rows >= 0).all()
    ground = dtm.z[rows, cols] + 1.5
    view = sky_view(dsm, gx.ravel(), gy.ravel(), ground, sectors=36, max_distance=60.0, mask_deg=20.0)
    indoor = dsm.z[rows, cols] > ground
    unknown = np.isnan(dsm.z[rows, cols])
    assert np.array_equal(grid.indoor.ravel(), indoor)
    computed = ~indoor & ~unknown
    assert np.array_equal(np.isfinite(grid.svf.ravel()), computed)
    assert np.array_equal(grid.svf.ravel()[computed], view.svf[computed])
    assert np.array_equal(grid.open_sky.ravel()[computed], view.open_sky[computed])
    assert np.array_equal(grid.gap_fraction.ravel()[computed], view.gap_fraction[computed])
    assert indoor.any() and computed.any()
    assert grid.svf.shape == grid.grid.shape == (-(-(70 - step_ // 2) // step_), -(-(64 - step_ // 2) // step_))


def test_grid_without_dtm_puts_receivers_on_the_dsm(tmp_path):
    dsm, _ = city_with_ground()
    grid = sky_view_grid(dsm, None, receiver_height=2.0, sectors=8, max_distance=30.0)
    assert not grid.indoor.any() and np.isfinite(grid.svf).all()
    assert np.array_equal(grid.grid.z, dsm.z + 2.0)
    roof = dsm.z > 25  # on a roof receivers see more sky than in the streets around
    assert np.nanmean(grid.svf[roof]) > np.nanmean(grid.svf[~roof])
    path = grid.grid.write(grid.svf, tmp_path / "svf.tif")
    back = Surface.read(path)
    assert back.same_grid(dsm) and np.allclose(back.z, grid.svf, atol=1e-6)


def test_grid_rejects_a_dtm_on_another_grid():
    dsm, _ = city_with_ground()
    with pytest.raises(InputError, match="read_like"):
        sky_view_grid(dsm, make_surface(np.zeros((10, 10))))


def test_grid_cancel_between_blocks(monkeypatch):
    dsm, dtm = city_with_ground()
    monkeypatch.setattr(horizon, "_RAYS_PER_BLOCK", 64 * 8 * 10)  # ten rows a block
    calls = []
    seen = []

    def is_canceled() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Canceled):
        sky_view_grid(dsm, dtm, sectors=8, max_distance=30.0, progress=seen.append, is_canceled=is_canceled)
    assert seen == [pytest.approx(1 / 7)]
    seen.clear()
    sky_view_grid(dsm, dtm, sectors=8, max_distance=30.0, progress=seen.append)
    assert seen == pytest.approx([k / 7 for k in range(1, 8)])
