"""The real QGIS 3.22 desktop, plugin installed from the package zip."""

from __future__ import annotations

import numpy as np

from citytwin_testing.desktop import image_stats, run_desktop
from citytwin_testing.lasfiles import write_las


def test_dock_screenshot_and_reload_in_real_qgis(tmp_path, plugin_zip, artifacts, optional_shared_data):
    # The real lidar sample when it is there (development, CI); else a generated file.
    if optional_shared_data is not None:
        sample, expected_count = optional_shared_data / "simple.laz", 1065
    else:
        xyz = np.random.default_rng(5).uniform(0, 100, size=(321, 3))
        sample, expected_count = write_las(tmp_path / "generated.las", xyz), 321
    run = run_desktop(
        "dock_and_lifecycle.py",
        tmp_path,
        plugin_zip,
        env={"CT_SAMPLE_LAS": str(sample), "CT_SHOT": "desktop_dock.png"},
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]
    assert not run.python_errors(), run.python_errors()
    assert "Traceback" not in run.stdout
    result = run.result
    assert "citytwin" in result["active_plugins"]
    loaded = result["loaded_state"]
    assert loaded["provider"] and loaded["docks"] == ["CityTwinDigitalBaseDock"]
    assert loaded["toolbars"] == ["CityTwinToolbar"] and "&CityTwin" in loaded["menus"]
    assert result["dock_visible"]
    assert result["point_count"] == expected_count
    assert result["sections"]["realscene3d"] == ["Real-scene 3D (1)", "Lidar sample — information"]
    assert result["sections"]["navigation"] == ["Navigation (1)", "BeiDou receiver track"]
    assert "EPSG:4548" in result["crs_label"]
    for round_ in result["rounds"]:
        unloaded = round_["unloaded"]
        assert unloaded == {"provider": False, "docks": [], "toolbars": [], "actions": [], "menus": unloaded["menus"]}
        assert "&CityTwin" not in unloaded["menus"]
        reloaded = round_["reloaded"]
        assert reloaded["menus"].count("&CityTwin") == 1
        assert reloaded["menus"].index("&CityTwin") == reloaded["menus"].index("&Help") - 1
        assert {k: v for k, v in reloaded.items() if k != "menus"} == {k: v for k, v in loaded.items() if k != "menus"}
    width, height, spread = image_stats(result["screenshot"])
    assert width >= 1200 and height >= 700 and spread > 10  # a real window, not a blank frame
    assert (artifacts / "desktop_dock.png").is_file()


def test_dock_in_chinese_under_zh_cn(tmp_path, plugin_zip, artifacts):
    run = run_desktop(
        "dock_and_lifecycle.py",
        tmp_path,
        plugin_zip,
        env={"CT_SHOT": "desktop_dock_zh_CN.png"},
        settings={"locale": {"overrideFlag": "true", "userLocale": "zh_CN"}},
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert not run.python_errors(), run.python_errors()
    assert run.result["dock_title"] == "CityTwin — 数字底座"
    assert run.result["sections"]["navigation"] == ["导航（1）", "BeiDou receiver track"]
    assert run.result["sections"]["communication"] == ["通信（0）", "暂无图层"]
    assert "底座坐标系：EPSG:4548" in run.result["crs_label"]


def test_sample_base_opens_in_real_qgis(tmp_path, plugin_zip, artifacts):
    """Issue "digital base", acceptance 3: the project opens with the five groups and the
    time range, and its map is drawn (whole period, and one month of the time axis)."""
    from citytwin.layers.samplecity import generate_sample_city

    city = generate_sample_city(tmp_path / "city", small=True)
    run = run_desktop(
        "open_base.py",
        tmp_path,
        plugin_zip,
        env={"CT_DESCRIPTION": str(city.description), "CT_WORK": str(tmp_path)},
        timeout=300,
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]
    assert not run.python_errors(), run.python_errors()
    result = run.result
    assert result["built"]["LAYERS"] == 20
    assert result["groups"] == ["Navigation", "Communication", "Monitoring", "Real-scene 3D", "Remote sensing"]
    assert len(result["layers_valid"]) == 20 and all(result["layers_valid"])
    assert result["rasters"] == 6
    assert result["time_range"][0].startswith("2022-01-03")
    assert result["temporal_map"]
    whole = image_stats(result["map_shot"])
    month = image_stats(result["month_shot"])
    assert whole[2] > 20 and month[2] > 10  # drawn maps, not blank canvases
    assert (artifacts / "desktop_base_map.png").is_file()


def test_view3d_dock_on_the_sample_base_in_real_qgis(tmp_path, plugin_zip, artifacts):
    """Issue "real-scene 3D", acceptance 3: the 3D View dock shows the sample base's point
    cloud in real QGIS under Xvfb, picks, follows the map extent, is screenshotted, and the
    plugin unloads and QGIS exits without a crash."""
    import laspy
    from scipy.spatial import cKDTree

    from citytwin.layers.samplecity import generate_sample_city

    city = generate_sample_city(tmp_path / "city", small=True)
    laz = city.files["pointcloud"][0]
    run = run_desktop(
        "view3d.py",
        tmp_path,
        plugin_zip,
        env={"CT_DESCRIPTION": str(city.description), "CT_WORK": str(tmp_path)},
        timeout=300,
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]  # QGIS exited normally after the unload
    assert not run.python_errors(), run.python_errors()
    result = run.result
    assert result["dock_visible"] and result["loaded"]
    assert result["current"] == str(laz) and str(laz) in result["sources"]
    assert result["interactive"], result["view_error"]  # Xvfb has OpenGL (Mesa): the real widget
    assert result["compiled_decimation"]
    assert result["view_pixels_std"] > 10
    assert result["points_shown"] == laspy.open(laz).header.point_count  # under the 2M budget: all
    assert [label.split(" ")[0] for label in result["legend"]] == ["2", "5", "6", "9"]
    # The pick shows real coordinates of a point of the file (laspy, independently).
    las = laspy.read(laz)
    picked = result["picked"]
    distance, _ = cKDTree(np.column_stack([las.x, las.y, las.z])).query([picked["x"], picked["y"], picked["z"]])
    assert distance < 0.01
    assert np.allclose([picked["x"], picked["y"], picked["z"]], result["picked_expected"], atol=1e-6)
    assert f"{picked['x']:.3f}" in result["pick_label"]
    # Map -> 3D: only the points inside the canvas extent; 3D -> map: the canvas shows the cloud.
    xmin, ymin, xmax, ymax = result["map_extent"]
    cx0, cy0, cx1, cy1 = result["extent_cloud"]
    assert result["extent_loaded"] and 0 < result["extent_points"] < result["full_points"]
    assert xmin <= cx0 and cx1 <= xmax and ymin <= cy0 and cy1 <= ymax
    inside = (las.x >= xmin) & (las.x <= xmax) & (las.y >= ymin) & (las.y <= ymax)
    assert result["extent_points"] == int(inside.sum())
    zx0, zy0, zx1, zy1 = result["map_after_zoom"]
    assert zx0 <= cx0 and zy0 <= cy0 and zx1 >= cx1 and zy1 >= cy1
    # "Scene package…" opened the algorithm's dialog with the cloud shown; the unload closed it.
    assert result["package_dialog"] and result["package_inputs"] == [str(laz)]
    assert result["package_dialogs_after_unload"] == []
    assert result["unloaded"] and result["docks_after_unload"] == []
    width, _height, spread = image_stats(result["dock_shot"])
    assert width >= 400 and spread > 10
    assert (artifacts / "desktop_view3d_window.png").is_file()
