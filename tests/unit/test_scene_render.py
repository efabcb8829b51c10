"""Scene model, colours and offscreen renders, checked against the pixels they produce."""

from __future__ import annotations

import matplotlib
import numpy as np
import pyproj
import pytest
from PIL import Image
from shapely.affinity import translate
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from citytwin.common.errors import InputError
from citytwin.layers.samplecity.lidar import lidar_points
from citytwin.layers.samplecity.model import HEIGHT, ORIGIN_X, ORIGIN_Y, WIDTH, build_city
from citytwin.twin.cloud import ASPRS_CLASSES, LocalCloud, PointChunk
from citytwin.twin.render import CAMERA_PRESETS, apply_camera, preset_camera, render_image, render_png
from citytwin.twin.scene import (
    BuildingsLayer,
    LinesLayer,
    SceneSpec,
    TerrainSurface,
    build_meshes,
    build_plotter,
    color_values,
    extrude_footprints,
    lines_mesh,
    numeric_label_actors,
    terrain_mesh,
)

SIZE = (800, 500)
WHITE = 250  # a pixel with every channel above this counts as background


def rgb_of(hex_colour: str) -> np.ndarray:
    """#rrggbb -> array, parsed here (not with the code under test)."""
    return np.frombuffer(bytes.fromhex(hex_colour.lstrip("#")), dtype=np.uint8).astype(np.int64)


def exact_fraction(image: np.ndarray, hex_colour: str, tolerance: int = 6) -> float:
    return float((np.abs(image.astype(np.int64) - rgb_of(hex_colour)).max(axis=2) <= tolerance).mean())


def hue_fraction(image: np.ndarray, hex_colour: str) -> float:
    """Pixels that are the colour scaled by a factor 0.3-1.05 (eye-dome lighting darkens)."""
    colour = rgb_of(hex_colour).astype(np.float64)
    pixels = image.astype(np.float64)
    norm = np.linalg.norm(pixels, axis=2) + 1e-9
    cosine = pixels @ colour / norm / np.linalg.norm(colour)
    scale = norm / np.linalg.norm(colour)
    return float(((cosine > 0.998) & (scale > 0.3) & (scale < 1.05)).mean())


def foreground(image: np.ndarray) -> np.ndarray:
    return image.min(axis=2) < WHITE


def cloud_from_points(points: dict, crs_wkt: str | None = None) -> LocalCloud:
    chunk = PointChunk(points["x"], points["y"], points["z"], {k: v for k, v in points.items() if k not in "xyz"})
    return LocalCloud.from_chunk(chunk, crs_wkt=crs_wkt, source="sample city")


@pytest.fixture(scope="module")
def city():
    return build_city()


@pytest.fixture(scope="module")
def city_cloud(city) -> LocalCloud:
    wkt = pyproj.CRS.from_user_input("EPSG:4548+5737").to_wkt()
    return cloud_from_points(lidar_points(city, ground_spacing=4.0, roof_spacing=2.0), crs_wkt=wkt)


@pytest.fixture(scope="module")
def simple_las_cloud(shared_data) -> LocalCloud:
    import laspy

    las = laspy.read(shared_data / "simple.las")
    attrs = {name: np.asarray(las[name]) for name in ("red", "green", "blue", "intensity", "classification")}
    chunk = PointChunk(np.asarray(las.x), np.asarray(las.y), np.asarray(las.z), attrs)
    return LocalCloud.from_chunk(chunk, source="simple.las")


# -- colours ---------------------------------------------------------------------------------
def test_classification_colours_are_the_asprs_palette(city_cloud):
    rgb, legend = color_values(city_cloud, "classification")
    codes = city_cloud.attributes["classification"]
    assert rgb.dtype == np.uint8 and rgb.shape == (len(city_cloud), 3)
    assert sorted(np.unique(codes).tolist()) == [2, 5, 6, 9]
    for code in np.unique(codes):
        assert (rgb[codes == code] == rgb_of(ASPRS_CLASSES[int(code)][1])).all(), code
    assert legend.kind == "classes"
    assert legend.entries == tuple((f"{c} {ASPRS_CLASSES[c][0]}", ASPRS_CLASSES[c][1]) for c in (2, 5, 6, 9))


def test_codes_outside_the_asprs_table_get_a_colour_and_a_label():
    cloud = LocalCloud(np.zeros(3), np.zeros((3, 3), np.float32), {"classification": np.array([2, 12, 64])})
    rgb, legend = color_values(cloud, "classification")
    assert [label for label, _ in legend.entries] == ["2 Ground", "12 Class 12", "64 Class 64"]
    assert (rgb[0] == rgb_of(ASPRS_CLASSES[2][1])).all()
    assert len({tuple(c) for c in rgb.tolist()}) == 3


def test_sixteen_bit_rgb_is_scaled_and_eight_bit_content_is_kept():
    rng = np.random.default_rng(1)
    eight = rng.integers(0, 256, size=(500, 3))
    eight[0] = (255, 0, 128)
    xyz = np.zeros((500, 3), np.float32)
    stored16 = {n: (eight[:, i] * 257).astype(np.uint16) for i, n in enumerate(("red", "green", "blue"))}
    sixteen = LocalCloud(np.zeros(3), xyz, stored16)
    rgb16, legend16 = color_values(sixteen, "rgb")
    assert (rgb16 == eight).all()
    assert legend16.kind == "rgb" and "16-bit" in legend16.title
    # 8-bit values stored in the 16-bit fields (max <= 255): taken as they are.
    as_stored = {n: eight[:, i].astype(np.uint16) for i, n in enumerate(("red", "green", "blue"))}
    rgb8, legend8 = color_values(LocalCloud(np.zeros(3), xyz, as_stored), "rgb")
    assert (rgb8 == eight).all()
    assert "8-bit" in legend8.title
    # Genuine 16-bit values round to the nearest 8-bit level.
    odd = {n: np.array([65535, 32768, 128 * 257 + 128], np.uint16) for n in ("red", "green", "blue")}
    rgb, _ = color_values(LocalCloud(np.zeros(3), np.zeros((3, 3), np.float32), odd), "rgb")
    assert rgb[:, 0].tolist() == [255, 128, 128]


def test_elevation_uses_real_heights_robust_range_and_viridis(city_cloud):
    rgb, legend = color_values(city_cloud, "elevation")
    z = city_cloud.real_xyz()[:, 2]
    assert legend.kind == "continuous" and legend.colormap == "viridis"
    assert legend.vmin == pytest.approx(np.percentile(z, 2), abs=1e-4)
    assert legend.vmax == pytest.approx(np.percentile(z, 98), abs=1e-4)
    assert 40 < legend.vmin < legend.vmax < 200  # real heights (Yellow Sea 1985), not local offsets
    viridis = matplotlib.colormaps["viridis"]
    assert (rgb[z <= legend.vmin - 0.01] == viridis(0.0, bytes=True)[:3]).all()
    assert (rgb[z >= legend.vmax + 0.01] == viridis(1.0, bytes=True)[:3]).all()
    assert legend.ramp_colours(3) == ["#" + bytes(viridis(f, bytes=True)[:3]).hex() for f in (0.0, 0.5, 1.0)]
    middle = np.argmin(np.abs(z - (legend.vmin + legend.vmax) / 2))
    expected = viridis((z[middle] - legend.vmin) / (legend.vmax - legend.vmin), bytes=True)[:3]
    assert np.abs(rgb[middle].astype(int) - expected).max() <= 1


def test_intensity_and_extra_dimensions_are_continuous(city_cloud):
    _, legend = color_values(city_cloud, "intensity")
    intensity = city_cloud.attributes["intensity"]
    assert (legend.vmin, legend.vmax) == (np.percentile(intensity, 2), np.percentile(intensity, 98))
    rgb, legend = color_values(city_cloud, "reflectance_db", colormap="terrain")
    assert legend.colormap == "terrain" and legend.title == "reflectance_db"
    assert len(np.unique(rgb, axis=0)) > 50


def test_unknown_colour_by_names_what_is_available(city_cloud):
    with pytest.raises(InputError) as caught:
        color_values(city_cloud, "temperature")
    message = str(caught.value)
    assert "temperature" in message and caught.value.field == "temperature"
    for name in ("rgb", "classification", "elevation", "intensity", "gps_time", "reflectance_db"):
        assert name in message


def test_auto_colour_prefers_rgb_then_classification():
    xyz = np.zeros((2, 3), np.float32)
    only_class = LocalCloud(np.zeros(3), xyz, {"classification": np.array([2, 6])})
    assert color_values(only_class, "auto")[1].kind == "classes"
    assert color_values(LocalCloud(np.zeros(3), xyz), "auto")[1].title == "Elevation"


def test_empty_cloud_is_an_input_error(tmp_path):
    empty = LocalCloud(np.zeros(3), np.zeros((0, 3), np.float32), source="empty.las")
    with pytest.raises(InputError, match="empty"):
        color_values(empty, "elevation")
    with pytest.raises(InputError, match="empty"):
        render_png(SceneSpec(empty), tmp_path / "empty.png")
    assert list(tmp_path.iterdir()) == []


# -- layers ------------------------------------------------------------------------------------
ORIGIN = np.array([448_800.0, 4_417_200.0, 42.0])


def signed_volume(mesh) -> float:
    """Divergence theorem over the triangles: positive when they face outwards."""
    tris = np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]
    p = np.asarray(mesh.points, dtype=np.float64)[tris]
    return float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum() / 6.0)


def test_extruded_box_is_closed_with_the_right_bounds_and_volume():
    footprint = box(448_810.0, 4_417_210.0, 448_820.0, 4_417_230.0)  # 10 x 20 m
    mesh = extrude_footprints([footprint], [30.0], ORIGIN, 45.0)
    assert mesh.points.dtype == np.float32
    np.testing.assert_allclose(mesh.bounds, (10, 20, 10, 30, 3, 33))  # local: minus the origin
    assert mesh.n_open_edges == 0 and mesh.is_manifold
    assert signed_volume(mesh) == pytest.approx(6000.0, rel=1e-6)
    assert mesh.volume == pytest.approx(6000.0, rel=1e-6)
    assert mesh.n_points == 8 and mesh.n_cells == 12


def test_footprints_with_holes_and_several_parts():
    outer = [(0, 0), (30, 0), (30, 20), (0, 20)]
    courtyard = Polygon(outer, [[(10, 5), (20, 5), (20, 15), (10, 15)]])  # 600 - 100 m²
    ell = Polygon([(40, 0), (60, 0), (60, 10), (50, 10), (50, 30), (40, 30)])  # concave, 400 m²
    two = MultiPolygon([box(70, 0, 75, 4), box(80, 0, 84, 5)])  # 20 + 20 m²
    shifted = [translate(g, ORIGIN[0], ORIGIN[1]) for g in (courtyard, ell, two)]
    mesh = extrude_footprints(shifted, [10.0, 12.0, 3.0], ORIGIN, [42.0, 50.0, 44.0])
    assert mesh.n_open_edges == 0
    assert signed_volume(mesh) == pytest.approx(500 * 10 + 400 * 12 + 40 * 3, rel=1e-6)
    per_building = np.bincount(np.asarray(mesh.cell_data["building"]), minlength=3)
    assert (per_building > 0).all()


def test_footprints_without_height_are_skipped_and_reported():
    fps = [box(448_810, 4_417_210, 448_820, 4_417_220)] * 3
    mesh = extrude_footprints(fps, [np.nan, 0.0, 5.0], ORIGIN, 42.0)
    assert mesh.field_data["citytwin_skipped_buildings"].tolist() == [0, 1]
    assert signed_volume(mesh) == pytest.approx(500.0, rel=1e-6)
    with pytest.raises(InputError, match="heights"):
        extrude_footprints(fps, [1.0], ORIGIN, 42.0)


def plane_dtm(nodata_cell: bool = True) -> TerrainSurface:
    # z = 40 + 0.01 x' + 0.02 y' (x', y' from the raster corner); 5 m pixels, north-up.
    x0, y0, rows, cols = 448_800.0, 4_417_300.0, 8, 10
    xs = x0 + (np.arange(cols) + 0.5) * 5.0
    ys = y0 - (np.arange(rows) + 0.5) * 5.0
    gx, gy = np.meshgrid(xs, ys)
    z = 40.0 + 0.01 * (gx - x0) + 0.02 * (gy - (y0 - rows * 5.0))
    if nodata_cell:
        z[3, 4] = -9999.0
    return TerrainSurface(z, (x0, 5.0, 0.0, y0, 0.0, -5.0), nodata=-9999.0)


def test_dtm_surface_spans_the_pixel_centres_and_masks_nodata():
    dtm = plane_dtm()
    mesh = terrain_mesh(dtm, ORIGIN)
    valid = dtm.z != -9999.0
    xmin, xmax = 448_800.0 + 2.5, 448_800.0 + 50 - 2.5
    ymin, ymax = 4_417_300.0 - 40 + 2.5, 4_417_300.0 - 2.5
    expected = (
        xmin - ORIGIN[0], xmax - ORIGIN[0], ymin - ORIGIN[1], ymax - ORIGIN[1],
        dtm.z[valid].min() - ORIGIN[2], dtm.z[valid].max() - ORIGIN[2],
    )  # fmt: skip
    np.testing.assert_allclose(mesh.bounds, expected, atol=1e-4)
    # 7 x 9 quads, of which the 4 around the no-data pixel are left out; two triangles each.
    assert mesh.n_cells == 2 * (7 * 9 - 4)
    assert mesh.n_points == valid.sum()
    assert -9999.0 not in np.asarray(mesh.point_data["elevation"])
    normals = mesh.compute_normals(cell_normals=True, point_normals=False, auto_orient_normals=False)
    assert (normals.cell_data["Normals"][:, 2] > 0.99).all()  # counter-clockwise from above


def test_dtm_sampling_is_exact_on_a_plane_and_nan_outside():
    dtm = plane_dtm(nodata_cell=False)
    x = np.array([448_810.0, 448_833.3, 448_700.0])
    y = np.array([4_417_280.0, 4_417_271.1, 4_417_280.0])
    z = dtm.sample(x, y)
    np.testing.assert_allclose(z[:2], 40.0 + 0.01 * (x[:2] - 448_800) + 0.02 * (y[:2] - 4_417_260), atol=1e-9)
    assert np.isnan(z[2])


def test_buildings_stand_on_the_lowest_terrain_under_their_outline():
    dtm = plane_dtm(nodata_cell=False)
    fp = box(448_810, 4_417_270, 448_830, 4_417_280)
    layer = BuildingsLayer([fp], [10.0], terrain=dtm)
    scene = SceneSpec(LocalCloud(ORIGIN, np.zeros((1, 3), np.float32)), buildings=[layer])
    mesh = build_meshes(scene).buildings[0][1]
    lowest = 40.0 + 0.01 * 10 + 0.02 * 10  # the south-west corner
    assert mesh.bounds[4] == pytest.approx(lowest - ORIGIN[2], abs=1e-4)
    assert mesh.bounds[5] == pytest.approx(lowest + 10 - ORIGIN[2], abs=1e-4)
    with pytest.raises(InputError, match="base_z or a terrain"):
        build_meshes(SceneSpec(scene.cloud, buildings=[BuildingsLayer([fp], [10.0])]))


def test_lines_are_shifted_to_the_local_frame():
    layer = LinesLayer(
        [LineString([(448_810, 4_417_210, 50), (448_900, 4_417_300, 60)]), ORIGIN + np.array([[1, 2, 3], [4, 5, 6]])]
    )
    mesh = lines_mesh(layer, ORIGIN)
    assert mesh.points.dtype == np.float32 and mesh.n_lines == 2
    np.testing.assert_allclose(mesh.points, [[10, 10, 8], [100, 100, 18], [1, 2, 3], [4, 5, 6]])
    with pytest.raises(InputError, match="no z"):
        lines_mesh(LinesLayer([LineString([(0, 0), (1, 1)])]), ORIGIN)


# -- plotter -------------------------------------------------------------------------------------
def full_scene(city, cloud: LocalCloud, **kwargs) -> SceneSpec:
    boxes = city.box_arrays()
    footprints = [box(*b) for b in zip(boxes["xmin"], boxes["ymin"], boxes["xmax"], boxes["ymax"])]
    xs = ORIGIN_X + (np.arange(120) + 0.5) * 10.0
    ys = ORIGIN_Y + HEIGHT - (np.arange(100) + 0.5) * 10.0
    gx, gy = np.meshgrid(xs, ys)
    dtm = TerrainSurface(city.ground_z(gx, gy), (ORIGIN_X, 10.0, 0, ORIGIN_Y + HEIGHT, 0, -10.0))
    route = np.column_stack([city.streets_x[:2], city.streets_y[:2], [80.0, 90.0]])
    return SceneSpec(
        cloud,
        buildings=[BuildingsLayer(footprints, boxes["top"] - boxes["base"], base_z=boxes["base"])],
        terrain=dtm,
        lines=[LinesLayer([route])],
        **kwargs,
    )


def test_plotter_gets_no_numeric_label_actors(city, city_cloud):
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    try:
        built = build_plotter(full_scene(city, city_cloud, title="Desktop"), plotter)
        assert set(built.actors) == {"cloud", "buildings", "terrain", "lines"}
        assert numeric_label_actors(plotter) == []
        assert not plotter.scalar_bars
        # A desktop-safe scene draws no title either (Qt draws overlays there).
        kinds = {type(a).__name__ for a in plotter.renderer.actors.values()}
        assert "CornerAnnotation" not in kinds and "Text" not in kinds
        # The check itself sees a scalar bar when there is one.
        plotter.add_scalar_bar(mapper=built.actors["terrain"].mapper)
        assert "vtkScalarBarActor" in numeric_label_actors(plotter)
    finally:
        plotter.close()


def test_rebuilding_on_the_same_plotter_replaces_the_layers(city, city_cloud):
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    try:
        build_plotter(full_scene(city, city_cloud), plotter)
        assert {"cloud", "buildings", "terrain", "lines"} <= set(plotter.renderer.actors)
        build_plotter(SceneSpec(city_cloud, colour_by="elevation", eye_dome_lighting=False), plotter)
        assert not {"buildings", "terrain", "lines"} & set(plotter.renderer.actors)
        assert "cloud" in plotter.renderer.actors
        assert numeric_label_actors(plotter) == []
    finally:
        plotter.close()


def test_apply_camera_frames_what_is_on_a_plotter(city, city_cloud):
    import pyvista as pv

    scene = full_scene(city, city_cloud)
    plotter = pv.Plotter(off_screen=True, window_size=SIZE)
    try:
        built = build_plotter(scene, plotter)
        applied = apply_camera(scene, plotter, "oblique_west")
        expected = preset_camera(built.bounds, "oblique_west", SIZE)
        on_plotter = plotter.camera_position
        for k, key in enumerate(("position", "focal_point", "view_up")):
            np.testing.assert_allclose(applied[key], expected[key], atol=1e-3)
            np.testing.assert_allclose(on_plotter[k], expected[key], atol=1e-3)
        assert expected["position"][0] < expected["focal_point"][0]  # the camera stands west
    finally:
        plotter.close()


def test_scene_meshes_are_local_float32(city, city_cloud):
    meshes = build_meshes(full_scene(city, city_cloud))
    for mesh in meshes.all_meshes():
        assert mesh.points.dtype == np.float32
        assert np.abs(np.asarray(mesh.points)).max() < 2000  # offsets, not 4.4e6 m coordinates
    np.testing.assert_array_equal(meshes.cloud.points, city_cloud.xyz)


# -- renders -------------------------------------------------------------------------------------
def test_render_of_the_sample_city_shows_the_classes(city_cloud):
    scene = SceneSpec(city_cloud, colour_by="classification")
    image = render_image(scene, size=SIZE, legend=False, axes=False)
    assert image.shape == (SIZE[1], SIZE[0], 3) and image.dtype == np.uint8
    mask = foreground(image)
    assert mask.mean() > 0.25
    assert image.std() > 30
    rows, cols = np.nonzero(mask)
    assert np.ptp(cols) > 0.7 * SIZE[0] and np.ptp(rows) > 0.4 * SIZE[1]  # the preset frames the whole tile
    # Eye-dome lighting darkens colours by a factor, so match hues.
    assert hue_fraction(image, ASPRS_CLASSES[6][1]) > 0.02  # building red
    assert hue_fraction(image, ASPRS_CLASSES[2][1]) > 0.02  # ground brown
    # Without it the palette colours appear as they are.
    flat = render_image(
        SceneSpec(city_cloud, colour_by="classification", eye_dome_lighting=False), size=SIZE, legend=False
    )
    assert exact_fraction(flat, ASPRS_CLASSES[6][1]) > 0.02
    assert exact_fraction(flat, ASPRS_CLASSES[2][1]) > 0.02
    assert exact_fraction(flat, ASPRS_CLASSES[5][1]) > 0.0005  # the park's trees


def test_top_view_is_north_up_and_framed(city, city_cloud):
    scene = SceneSpec(city_cloud, colour_by="classification", eye_dome_lighting=False)
    top = render_image(scene, camera="top", size=SIZE, legend=False, axes=False)
    rows, cols = np.nonzero(foreground(top))
    width, height = np.ptp(cols), np.ptp(rows)
    assert width / height == pytest.approx(WIDTH / HEIGHT, rel=0.08)
    assert height > 0.8 * SIZE[1]  # tight framing: the tile fills the frame's height
    # The park (trees, green) sits where it is in the city, with north up.
    trees = np.abs(top.astype(int) - rgb_of(ASPRS_CLASSES[5][1])).max(axis=2) <= 6
    ty, tx = np.nonzero(trees)
    px0, py0, px1, py1 = city.park
    fx = ((px0 + px1) / 2 - ORIGIN_X) / WIDTH
    fy = (ORIGIN_Y + HEIGHT - (py0 + py1) / 2) / HEIGHT
    assert (tx.mean() - cols.min()) / width == pytest.approx(fx, abs=0.05)
    assert (ty.mean() - rows.min()) / height == pytest.approx(fy, abs=0.05)


def test_presets_differ_and_a_camera_dict_reproduces_a_preset(city_cloud):
    scene = SceneSpec(city_cloud, colour_by="elevation")
    meshes = build_meshes(scene)
    images = {name: render_image(scene, camera=name, size=SIZE, meshes=meshes) for name in ("top", "oblique_south")}
    difference = np.abs(images["top"].astype(int) - images["oblique_south"].astype(int)).mean()
    assert difference > 10
    local = preset_camera(meshes.bounds, "oblique_south", SIZE)
    real = {key: np.asarray(local[key]) + (city_cloud.origin if key != "view_up" else 0) for key in local}
    again = render_image(scene, camera=real, size=SIZE, meshes=meshes)
    same_local = render_image(scene, camera=dict(local, frame="local"), size=SIZE, meshes=meshes)
    assert np.abs(again.astype(int) - images["oblique_south"].astype(int)).mean() < 0.5
    assert np.abs(same_local.astype(int) - again.astype(int)).mean() < 0.5


def test_camera_dict_looking_at_one_corner(city_cloud):
    corner = np.array([ORIGIN_X + 100.0, ORIGIN_Y + 100.0, 45.0])
    camera = {"position": corner + np.array([-150, -150, 120]), "focal_point": corner, "view_up": (0, 0, 1)}
    image = render_image(SceneSpec(city_cloud), camera=camera, size=SIZE, legend=False)
    assert foreground(image).mean() > 0.3  # close up: points fill much of the frame
    overview = render_image(SceneSpec(city_cloud), size=SIZE, legend=False)
    assert np.abs(image.astype(int) - overview.astype(int)).mean() > 10


def test_unknown_camera_preset_lists_the_presets(city_cloud, tmp_path):
    with pytest.raises(InputError) as caught:
        render_png(SceneSpec(city_cloud), tmp_path / "a.png", camera="isometric")
    for name in CAMERA_PRESETS:
        assert name in str(caught.value)
    with pytest.raises(InputError, match="position"):
        render_image(SceneSpec(city_cloud), camera={"focal_point": (0, 0, 0)})
    assert list(tmp_path.iterdir()) == []


def test_png_has_the_legend_in_the_corner(city_cloud, tmp_path):
    scene = SceneSpec(city_cloud, colour_by="classification", title="Sample city")
    path = render_png(scene, tmp_path / "city.png", size=SIZE)
    assert path == tmp_path / "city.png" and [p.name for p in tmp_path.iterdir()] == ["city.png"]
    with Image.open(path) as png:
        assert png.size == SIZE and png.format == "PNG"
        image = np.asarray(png.convert("RGB"))
    plain = render_image(scene, size=SIZE, legend=False)
    changed = np.nonzero(np.any(image != plain, axis=2))
    # The legend only touches the upper-right corner ...
    assert changed[1].min() > SIZE[0] * 0.6 and changed[0].max() < SIZE[1] * 0.5
    corner = image[: SIZE[1] // 2, int(SIZE[0] * 0.6) :]
    # ... and shows a swatch of every class, in the palette's exact colour.
    for code in (2, 5, 6, 9):
        assert exact_fraction(corner, ASPRS_CLASSES[code][1], tolerance=0) > 0.0005, code


def test_continuous_legend_is_a_gradient_bar(city_cloud):
    scene = SceneSpec(city_cloud, colour_by="elevation")
    image = render_image(scene, size=SIZE)
    plain = render_image(scene, size=SIZE, legend=False)
    corner = image[: SIZE[1] // 2, int(SIZE[0] * 0.6) :]
    viridis = matplotlib.colormaps["viridis"]
    for fraction in (0.0, 0.5, 1.0):
        colour = "#" + bytes(viridis(fraction, bytes=True)[:3]).hex()
        assert exact_fraction(corner, colour, tolerance=3) * corner.shape[0] * corner.shape[1] >= 8, fraction
    assert np.any(image != plain)


@pytest.mark.parametrize("colour_by", ["rgb", "classification", "elevation"])
def test_real_lidar_without_crs_renders(simple_las_cloud, colour_by, tmp_path):
    assert simple_las_cloud.crs_wkt is None
    scene = SceneSpec(simple_las_cloud, colour_by=colour_by, point_size=7)
    path = render_png(scene, tmp_path / "autzen.png", size=SIZE, legend=False, axes=False)
    with Image.open(path) as png:
        image = np.asarray(png.convert("RGB"))
    mask = foreground(image)
    assert mask.mean() > 0.03  # 1,065 points of 7 px on 400,000 pixels
    assert image[mask].std() > 10
    rows, cols = np.nonzero(mask)
    assert max(np.ptp(cols) / SIZE[0], np.ptp(rows) / SIZE[1]) > 0.6


def test_autzen_sample_through_the_reader_renders_and_reports_its_missing_crs(shared_data, tmp_path):
    """Acceptance: the real Autzen LAZ reads with our streaming reader, renders offscreen to a
    PNG with content, and its missing CRS is reported, never guessed."""
    from citytwin.twin.pointcloud_info import read_point_cloud_info
    from citytwin.twin.reader import read_cloud

    cloud = read_cloud(shared_data / "simple.laz", budget=100_000)
    assert len(cloud) == 1065 and cloud.crs_wkt is None  # all points; no CRS invented
    info = read_point_cloud_info(shared_data / "simple.laz", scan_classes=False)
    assert info.crs.is_missing and any("no CRS" in m for m in info.crs.messages)
    with pytest.raises(InputError, match="never guessed"):
        read_cloud(shared_data / "simple.laz", target_crs="EPSG:4326")
    # Real coordinates come back exactly (to the file's 1 cm scale) from the local frame.
    real = cloud.real_xyz()
    assert real[:, 0].min() == pytest.approx(635619.85, abs=0.01) and real[:, 2].max() == pytest.approx(
        586.38, abs=0.01
    )

    scene = SceneSpec(cloud, colour_by="classification", point_size=7)
    path = render_png(scene, tmp_path / "autzen.png", size=SIZE)
    with Image.open(path) as png:
        image = np.asarray(png.convert("RGB"))
    mask = foreground(image)
    assert mask.mean() > 0.03 and image[mask].std() > 10
    rows, cols = np.nonzero(mask)
    assert max(np.ptp(cols) / SIZE[0], np.ptp(rows) / SIZE[1]) > 0.6
    # The file's classes (laspy, independently) are the colours in the picture.
    import laspy

    codes = np.unique(np.asarray(laspy.read(shared_data / "simple.laz").classification))
    for code in codes:
        assert hue_fraction(image, ASPRS_CLASSES[int(code)][1]) > 0.001, code
