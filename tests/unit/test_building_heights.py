"""Building heights from points and footprints, against the sample city and brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.samplecity.lidar import lidar_points
from citytwin.layers.samplecity.model import CRS_EPSG, VERTICAL_EPSG, build_city
from citytwin.twin.building_heights import (
    FootprintIndex,
    building_heights,
    building_heights_from_file,
    write_heights_layer,
)
from citytwin.twin.cloud import PointChunk
from citytwin.twin.terrain import RasterSpec, surfaces_from_chunks
from citytwin_testing.lasfiles import write_las

UTM50N = 32650


def chunks_of(points: dict, size: int) -> list[PointChunk]:
    n = points["x"].size
    return [
        PointChunk(
            points["x"][i : i + size],
            points["y"][i : i + size],
            points["z"][i : i + size],
            {"classification": points["classification"][i : i + size]},
        )
        for i in range(0, n, size)
    ]


@pytest.fixture(scope="module")
def city():
    return build_city()


@pytest.fixture(scope="module")
def city_points(city):
    return lidar_points(city)


@pytest.fixture(scope="module")
def footprints(city):
    b = city.box_arrays()
    return gpd.GeoDataFrame(
        {
            "building_id": [v.building_id for v in city.buildings],
            "true_height": [v.height for v in city.buildings],
        },
        geometry=shapely.box(b["xmin"], b["ymin"], b["xmax"], b["ymax"]),
        crs=CRS_EPSG,
    )


# -- the sample city: known heights -------------------------------------------------------
def test_sample_city_heights_match_the_model(city_points, footprints):
    result = building_heights(chunks_of(city_points, 100_000), footprints)
    assert result.pc_flag.isna().all()
    assert (result.pc_points >= 10).all()
    # Roofs at the true height + 5 cm noise: the 95th percentile sits ~8 cm above it.
    np.testing.assert_allclose(result.pc_height_m, result.true_height, atol=0.2)
    assert result.pc_height_std.between(0.03, 0.07).all()
    # The input layer is untouched; the result is a copy in the same CRS.
    assert "pc_height_m" not in footprints.columns
    assert result.crs == footprints.crs
    assert result.geometry.equals(footprints.geometry)
    assert result.attrs["pc_percentile"] == 95.0


def test_given_dtm_and_single_pass_dtm_agree(city_points, footprints):
    parts = chunks_of(city_points, 100_000)
    surfaces = surfaces_from_chunks(parts, 1.0)
    given = building_heights(parts, footprints, dtm=surfaces)
    as_array = building_heights(parts, footprints, dtm=(surfaces.dtm, surfaces.spec))
    single = building_heights(parts, footprints)
    np.testing.assert_allclose(given.pc_height_m, single.pc_height_m, atol=1e-9)
    np.testing.assert_allclose(given.pc_height_m, as_array.pc_height_m, atol=1e-4)  # float32 DTM vs float64
    np.testing.assert_allclose(given.pc_height_m, given.true_height, atol=0.2)


def test_same_points_and_percentiles_as_sjoin(city_points, footprints):
    # The plain approach, point by point: sjoin "within", then groupby quantile.
    result = building_heights(chunks_of(city_points, 100_000), footprints)
    keep = ~np.isin(city_points["classification"], (2, 9, 7, 18))
    points = gpd.GeoDataFrame(
        {"z": city_points["z"][keep]},
        geometry=gpd.points_from_xy(city_points["x"][keep], city_points["y"][keep]),
        crs=CRS_EPSG,
    )
    joined = gpd.sjoin(points, footprints[["geometry"]], predicate="within")
    grouped = joined.groupby("index_right")["z"]
    np.testing.assert_array_equal(result.pc_points, grouped.size().reindex(footprints.index, fill_value=0))
    # 1 cm z bins: the percentile is exact for z rounded to the centimetre.
    np.testing.assert_allclose(result.pc_roof_z, grouped.quantile(0.95).reindex(footprints.index), atol=0.0051)
    # The standard deviation comes from the same 1 cm histogram: rounding adds <= 1e-4/12 m² of variance.
    np.testing.assert_allclose(result.pc_height_std, grouped.std().reindex(footprints.index), atol=5e-4)


def test_chunking_does_not_change_the_results(city_points, footprints):
    first = building_heights(chunks_of(city_points, 10**9), footprints)
    shuffled = np.random.default_rng(5).permutation(city_points["x"].size)
    other = building_heights(chunks_of({k: v[shuffled] for k, v in city_points.items()}, 33_333), footprints)
    for name in ("pc_points", "pc_roof_z", "pc_ground_z", "pc_height_m"):
        np.testing.assert_allclose(first[name], other[name], rtol=0, atol=1e-9)
    np.testing.assert_allclose(first.pc_height_std, other.pc_height_std, rtol=1e-9)


# -- closed forms --------------------------------------------------------------------------
def flat_ground(x0=-20.0, y0=-20.0, x1=60.0, y1=60.0, z=0.0) -> PointChunk:
    gx, gy = np.meshgrid(np.arange(x0 + 0.25, x1, 0.5), np.arange(y0 + 0.25, y1, 0.5))
    return PointChunk(gx.ravel(), gy.ravel(), np.full(gx.size, z), {"classification": np.full(gx.size, 2)})


def frame(geoms, crs=UTM50N) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"b{k}" for k in range(len(geoms))]}, geometry=list(geoms), crs=crs)


def test_percentile_and_std_of_known_values():
    rng = np.random.default_rng(2)
    z = np.round(rng.uniform(0, 40, 1001), 2) + 5.0  # on the centimetre: the histogram is exact
    x, y = rng.uniform(0.1, 9.9, z.size), rng.uniform(0.1, 9.9, z.size)
    roof = PointChunk(x, y, z, {"classification": np.full(z.size, 6)})
    noise = PointChunk(x[:5], y[:5], np.full(5, 999.0), {"classification": np.full(5, 18)})
    water = PointChunk(x[:5], y[:5], np.full(5, -9.0), {"classification": np.full(5, 9)})
    ground = flat_ground(z=5.0)
    result = building_heights([ground, roof, noise, water], frame([shapely.box(0, 0, 10, 10)]), percentile=90)
    row = result.iloc[0]
    assert row.pc_points == z.size
    assert row.pc_roof_z == pytest.approx(np.percentile(z, 90), abs=1e-9)
    assert row.pc_ground_z == pytest.approx(5.0)
    assert row.pc_height_m == pytest.approx(np.percentile(z, 90) - 5.0, abs=1e-9)
    assert row.pc_height_std == pytest.approx(np.std(z, ddof=1), rel=1e-12)
    # Chosen classes only: water and noise counted when asked for.
    result = building_heights([ground, roof, noise, water], frame([shapely.box(0, 0, 10, 10)]), classes=(9, 18))
    assert result.iloc[0].pc_points == 10


def test_flags_instead_of_crashes():
    roof_x, roof_y = np.meshgrid(np.arange(0.5, 10, 1.0), np.arange(0.5, 10, 1.0))
    roof = PointChunk(roof_x.ravel(), roof_y.ravel(), np.full(100, 12.0), {"classification": np.full(100, 6)})
    few = PointChunk(np.array([30.5, 31.5]), np.array([30.5, 30.5]), np.array([4.0, 4.0]), {})  # unclassified
    geoms = [
        shapely.box(0, 0, 10, 10),  # fine
        shapely.box(40, 0, 50, 10),  # nothing there but ground: no points
        shapely.box(30, 30, 35, 35),  # two points
        shapely.Polygon(),  # empty geometry
        None,  # missing geometry
        shapely.box(500, 500, 510, 510),  # far away: no points and no DTM
    ]
    result = building_heights([flat_ground(), roof, few], frame(geoms))
    assert result.pc_flag.tolist() == [
        None,
        "no points",
        "too few points (2 < 10)",
        "empty geometry",
        "empty geometry",
        "no points; no DTM under the footprint",
    ]
    assert result.pc_height_m.iloc[0] == pytest.approx(12.0)
    assert result.pc_points.tolist() == [100, 0, 2, 0, 0, 0]
    assert result[["pc_roof_z", "pc_height_m"]].iloc[1:].isna().all().all()
    assert result.pc_ground_z.iloc[1] == pytest.approx(0.0)  # the ground is known there
    assert np.isnan(result.pc_ground_z.iloc[5])


def test_footprint_smaller_than_a_dtm_cell_takes_the_dtm_at_its_point():
    ground = flat_ground(z=3.0)
    roof = PointChunk(np.full(20, 10.3), np.full(20, 10.3), np.linspace(8, 9, 20), {"classification": np.full(20, 6)})
    result = building_heights([ground, roof], frame([shapely.box(10.1, 10.1, 10.6, 10.6)]), dtm_cell_size=2.0)
    assert result.pc_ground_z.iloc[0] == pytest.approx(3.0)
    assert result.pc_points.iloc[0] == 20


# -- points in footprints: exact ------------------------------------------------------------
def brute_force(geoms: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The footprint containing each point (the later one where they overlap), -1 for none."""
    best = np.full(x.size, -1)
    for k, geom in enumerate(geoms):
        if geom is not None and not geom.is_empty:
            best[shapely.contains_xy(geom, x, y)] = k
    return best


def awkward_footprints(rng) -> np.ndarray:
    geoms = []
    for _ in range(40):  # rotated rectangles, some overlapping
        cx, cy = rng.uniform(10, 190, 2)
        rect = shapely.box(-rng.uniform(2, 12), -rng.uniform(2, 12), rng.uniform(2, 12), rng.uniform(2, 12))
        geoms.append(shapely.affinity.translate(shapely.affinity.rotate(rect, rng.uniform(0, 90)), cx, cy))
    # An L-shape, a courtyard (hole), a multipolygon, a sliver and a tiny footprint.
    geoms.append(shapely.Polygon([(0, 0), (30, 0), (30, 8), (8, 8), (8, 30), (0, 30)]))
    geoms.append(shapely.box(150, 150, 190, 190).difference(shapely.box(160, 160, 180, 180)))
    geoms.append(shapely.MultiPolygon([shapely.box(100, 0, 110, 5), shapely.box(115, 0, 120, 5)]))
    geoms.append(shapely.Polygon([(50, 195), (150, 196), (50, 196.2)]))
    geoms.append(shapely.box(77.1, 77.1, 77.3, 77.2))
    # Edges exactly on cell lines (0.5 m grid) and through cell centres.
    geoms.append(shapely.box(60.0, 60.0, 70.0, 65.0))
    geoms.append(shapely.box(60.25, 66.25, 70.75, 70.25))
    geoms.append(shapely.box(70.75, 66.25, 75.0, 70.25))  # shares a wall with the previous one
    return np.array(geoms, dtype=object)


@pytest.mark.parametrize("cell_size", [0.5, 1.7])
def test_points_in_footprints_are_exact(cell_size):
    rng = np.random.default_rng(9)
    geoms = awkward_footprints(rng)
    x, y = rng.uniform(-5, 205, 400_000), rng.uniform(-5, 205, 400_000)
    # Points exactly on grid lines and on the shared wall, where rounding would show.
    x[:2000] = np.round(x[:2000] * 2) / 2
    y[2000:4000] = np.round(y[2000:4000] * 4) / 4
    x[4000:4100], y[4000:4100] = 70.75, rng.uniform(66.25, 70.25, 100)
    index = FootprintIndex(geoms, cell_size)
    np.testing.assert_array_equal(index.lookup(x, y), brute_force(geoms, x, y))


def test_label_raster_is_coarsened_to_its_cap_and_stays_exact():
    rng = np.random.default_rng(4)
    geoms = awkward_footprints(rng)
    index = FootprintIndex(geoms, 0.25, max_cells=20_000)
    assert index.spec.n_cells <= 20_000 and index.spec.cell_size >= 1.0
    x, y = rng.uniform(-5, 205, 100_000), rng.uniform(-5, 205, 100_000)
    np.testing.assert_array_equal(index.lookup(x, y), brute_force(geoms, x, y))


# -- CRS -------------------------------------------------------------------------------------
def test_crs_mismatch_is_an_input_error(city_points, footprints):
    parts = chunks_of(city_points, 200_000)
    with pytest.raises(InputError, match="reproject") as err:
        building_heights(parts, footprints, points_crs=UTM50N)
    assert err.value.field == "geometry"
    with pytest.raises(InputError, match="no CRS"):
        building_heights(parts, footprints.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="not understood") as err:
        building_heights(parts, footprints, points_crs="not a crs")
    assert err.value.field == "points_crs"


def test_compound_points_crs_matches_and_other_crs_is_reprojected(city_points, footprints):
    parts = chunks_of(city_points, 200_000)
    compound = pyproj.CRS.from_user_input(f"EPSG:{CRS_EPSG}+{VERTICAL_EPSG}").to_wkt()
    same = building_heights(parts, footprints, points_crs=compound)
    np.testing.assert_allclose(same.pc_height_m, same.true_height, atol=0.2)
    in_lonlat = footprints.to_crs(4326)
    moved = building_heights(parts, in_lonlat, points_crs=compound, reproject=True)
    assert moved.crs == in_lonlat.crs  # the result keeps the layer's own CRS and geometries
    np.testing.assert_allclose(moved.pc_height_m, same.pc_height_m, atol=0.02)


def test_bad_inputs():
    ground = [flat_ground()]
    with pytest.raises(InputError, match="polygons") as err:
        building_heights(ground, frame([shapely.box(0, 0, 1, 1), shapely.Point(3, 3)]))
    assert err.value.line == 2
    with pytest.raises(InputError, match="GeoDataFrame"):
        building_heights(ground, [shapely.box(0, 0, 1, 1)])
    with pytest.raises(InputError, match="percentile"):
        building_heights(ground, frame([shapely.box(0, 0, 1, 1)]), percentile=0)
    with pytest.raises(InputError, match="shape"):
        building_heights(ground, frame([shapely.box(0, 0, 1, 1)]), dtm=(np.zeros((2, 2)), RasterSpec(1.0, 0, 0, 3, 3)))
    with pytest.raises(InputError, match="no points"):
        building_heights([], frame([shapely.box(0, 0, 1, 1)]))


# -- cancel, progress, output ----------------------------------------------------------------
def test_cancel_mid_way_and_progress(tmp_path, city_points, footprints):
    parts = chunks_of(city_points, 50_000)
    calls = []

    def cancel_after_three() -> bool:
        calls.append(1)
        return len(calls) > 3

    target = tmp_path / "heights.gpkg"
    with pytest.raises(Canceled):
        write_heights_layer(building_heights(parts, footprints, is_canceled=cancel_after_three), target)
    assert len(calls) == 4 and list(tmp_path.iterdir()) == []
    seen = []
    result = building_heights(parts, footprints, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(0.97) and len(seen) > len(parts)
    write_heights_layer(result, target)
    assert [p.name for p in tmp_path.iterdir()] == ["heights.gpkg"]
    back = gpd.read_file(target)
    np.testing.assert_allclose(back.pc_height_m, result.pc_height_m)
    assert back.crs.to_epsg() == CRS_EPSG


def test_from_a_las_file(tmp_path, city):
    b = city.box_arrays()
    k = 3
    box = shapely.box(b["xmin"][k], b["ymin"][k], b["xmax"][k], b["ymax"][k])
    area = box.buffer(25.0)
    points = lidar_points(city)
    near = shapely.contains_xy(area, points["x"], points["y"])
    xyz = np.column_stack([points["x"][near], points["y"][near], points["z"][near]])
    wkt = pyproj.CRS.from_epsg(CRS_EPSG).to_wkt()
    path = write_las(tmp_path / "tile.laz", xyz, points["classification"][near], 6, "1.4", wkt=wkt, scale=0.001)
    layer = frame([box], crs=CRS_EPSG)
    result = building_heights_from_file(path, layer, chunk_size=5000)
    assert result.pc_height_m.iloc[0] == pytest.approx(city.buildings[k].height, abs=0.2)
    bare = write_las(tmp_path / "bare.las", xyz, points["classification"][near], scale=0.001)
    with pytest.raises(InputError, match="no CRS record"):
        building_heights_from_file(bare, layer)
    again = building_heights_from_file(bare, layer, points_crs=CRS_EPSG)
    assert again.pc_height_m.iloc[0] == pytest.approx(result.pc_height_m.iloc[0], abs=1e-6)
