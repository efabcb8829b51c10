"""Offscreen renders of a :class:`~citytwin.twin.scene.SceneSpec` to images and PNG files.

Rendering uses an offscreen ``pyvista.Plotter`` (the VTK wheel falls back to EGL/OSMesa
without a display), so it runs in CI, in Processing algorithms and in report builders.

The legend is not a VTK actor: a ``vtkScalarBarActor`` formats numeric labels, which
crashes the QGIS desktop with the vtk 9.7.2 wheel, and one code path for the desktop and
for files is easier to trust. The screenshot is taken first, then the legend — class
names with colour swatches, or a gradient bar with its min/max values formatted by
Python — is drawn onto the pixels with Pillow.

Cameras are either a preset framing everything the scene shows (:data:`CAMERA_PRESETS`)
or a dict ``position``/``focal_point``/``view_up`` in **real** coordinates of the cloud's
CRS (what a user or a saved view knows); add ``"frame": "local"`` to pass local ones.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Union

import numpy as np

from ..common.errors import InputError
from .export import atomic_output, check_output_path
from .scene import Legend, SceneMeshes, SceneSpec, build_meshes, build_plotter, hex_to_rgb

#: Camera presets: (azimuth of the camera seen from the scene centre, degrees clockwise
#: from north; elevation angle above the horizon, degrees).
CAMERA_PRESETS: dict[str, tuple[float, float]] = {
    "top": (180.0, 90.0),
    "oblique_south": (180.0, 35.0),
    "oblique_north": (0.0, 35.0),
    "oblique_east": (90.0, 35.0),
    "oblique_west": (270.0, 35.0),
}
#: Vertical view angle of the camera (VTK's default), degrees.
VIEW_ANGLE = 30.0
#: Free space around the framed bounds, as a fraction of their projected size.
FRAME_MARGIN = 0.06

Camera = Union[str, dict]


def _view_directions(azimuth: float, elevation: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector from the focal point to the camera, and the view-up vector (local ENU)."""
    az, el = np.radians(azimuth), np.radians(elevation)
    horizontal = np.array([np.sin(az), np.cos(az), 0.0])
    if elevation >= 89.999:
        # Straight down: "up" on the screen is away from the camera's azimuth (north for
        # a camera on the south side, so a top view is north-up).
        return np.array([0.0, 0.0, 1.0]), -horizontal
    to_camera = np.cos(el) * horizontal + np.array([0.0, 0.0, np.sin(el)])
    return to_camera, np.array([0.0, 0.0, 1.0])


def preset_camera(
    bounds: tuple[float, float, float, float, float, float],
    preset: str,
    size: tuple[int, int] = (1600, 1000),
    view_angle: float = VIEW_ANGLE,
) -> dict[str, tuple[float, float, float]]:
    """A camera of ``preset`` that frames ``bounds`` (local) in a ``size`` image.

    The distance is the smallest at which all 8 corners of the bounds fall inside the
    view frustum (plus :data:`FRAME_MARGIN`), so flat city tiles fill the frame instead
    of floating in the middle of a bounding sphere.

    Returns
    -------
    dict
        ``position``, ``focal_point``, ``view_up`` in local coordinates.
    """
    if preset not in CAMERA_PRESETS:
        raise InputError(f"unknown camera preset '{preset}': use one of {', '.join(CAMERA_PRESETS)} or a dict")
    xmin, xmax, ymin, ymax, zmin, zmax = bounds
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2, (zmin + zmax) / 2])
    to_camera, up = _view_directions(*CAMERA_PRESETS[preset])
    right = np.cross(-to_camera, up)
    right /= np.linalg.norm(right)
    screen_up = np.cross(right, -to_camera)
    corners = np.array([[x, y, z] for x in (xmin, xmax) for y in (ymin, ymax) for z in (zmin, zmax)]) - centre
    r, u, w = corners @ right, corners @ screen_up, corners @ to_camera
    tan_v = np.tan(np.radians(view_angle) / 2)
    tan_h = tan_v * size[0] / size[1]
    scale = 1.0 + FRAME_MARGIN
    # A corner at offsets (r, u) across and w towards the camera is inside the frustum
    # when |u| <= (d - w) tan(v/2) and |r| <= (d - w) tan(h/2).
    distance = float(np.max(np.maximum(np.abs(u) * scale / tan_v, np.abs(r) * scale / tan_h) + w))
    distance = max(distance, 1e-3)
    position = centre + distance * to_camera
    return {
        "position": tuple(float(v) for v in position),
        "focal_point": tuple(float(v) for v in centre),
        "view_up": tuple(float(v) for v in screen_up),
    }


def resolve_camera(
    camera: Camera,
    bounds: tuple[float, float, float, float, float, float],
    origin: np.ndarray,
    size: tuple[int, int] = (1600, 1000),
) -> dict[str, Any]:
    """A preset name or a camera dict -> a camera dict in local coordinates.

    A dict needs ``position`` and ``focal_point`` (real coordinates, or local with
    ``"frame": "local"``); ``view_up`` (a direction, default +z) and ``view_angle``
    (degrees) are optional.
    """
    if isinstance(camera, str):
        return preset_camera(bounds, camera, size)
    if not isinstance(camera, dict):
        raise InputError(f"camera must be one of {', '.join(CAMERA_PRESETS)} or a dict, not {type(camera).__name__}")
    missing = [key for key in ("position", "focal_point") if key not in camera]
    if missing:
        raise InputError(f"a camera dict needs {' and '.join(missing)} (and optionally view_up)")
    frame = camera.get("frame", "real")
    if frame not in ("real", "local"):
        raise InputError(f"camera frame must be 'real' or 'local', not '{frame}'")
    shift = np.asarray(origin, dtype=np.float64) if frame == "real" else np.zeros(3)
    resolved = {
        # Subtract the origin in float64: real coordinates are large, local ones small.
        "position": tuple(float(v) for v in np.asarray(camera["position"], dtype=np.float64) - shift),
        "focal_point": tuple(float(v) for v in np.asarray(camera["focal_point"], dtype=np.float64) - shift),
        "view_up": tuple(float(v) for v in camera.get("view_up", (0.0, 0.0, 1.0))),
    }
    if "view_angle" in camera:
        resolved["view_angle"] = float(camera["view_angle"])
    return resolved


def _apply_camera(plotter: Any, camera: dict[str, Any]) -> None:
    plotter.camera_position = [camera["position"], camera["focal_point"], camera["view_up"]]
    plotter.camera.view_angle = camera.get("view_angle", VIEW_ANGLE)
    # A camera dict may come from anywhere: recompute near/far so nothing is clipped.
    plotter.reset_camera_clipping_range()


def apply_camera(
    scene: SceneSpec,
    plotter: Any,
    camera: Camera,
    bounds: tuple[float, float, float, float, float, float] | None = None,
) -> dict[str, Any]:
    """Point ``plotter``'s camera (any PyVista plotter, e.g. the docked viewer) at ``scene``.

    Parameters
    ----------
    scene
        The scene on the plotter (for its origin, when ``camera`` is in real coordinates).
    plotter
        A plotter that :func:`~citytwin.twin.scene.build_plotter` has filled.
    camera
        A preset name or a camera dict (see :func:`resolve_camera`).
    bounds
        Local bounds to frame (default: the bounds of what is on the plotter).

    Returns
    -------
    dict
        The camera applied, in local coordinates.
    """
    size = tuple(int(v) for v in plotter.window_size)
    resolved = resolve_camera(camera, bounds or tuple(plotter.bounds), scene.origin, size)
    _apply_camera(plotter, resolved)
    return resolved


# -- legend (Pillow, after the screenshot) ------------------------------------------------
def _font(size: int) -> Any:
    from PIL import ImageFont

    candidates = ["DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]
    try:
        import matplotlib

        # Matplotlib (a CityTwin requirement) ships DejaVu Sans: a scalable font everywhere.
        candidates.append(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    except ImportError:
        pass
    for candidate in candidates:
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default()


def format_value(value: float, span: float) -> str:
    """A legend number with as many decimals as the range needs (Python, not VTK, formats it)."""
    if not np.isfinite(value):
        return "n/a"
    decimals = int(np.clip(2 - np.floor(np.log10(span)), 0, 6)) if span > 0 else 2
    return f"{value:,.{decimals}f}"


def _text_width(draw: Any, text: str, font: Any) -> int:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return int(right - left)


def draw_legend(image: np.ndarray, legend: Legend, max_entries: int = 18) -> np.ndarray:
    """Draw ``legend`` in the upper-right corner of ``image`` (H, W, 3 uint8); returns a copy.

    Classes: one colour swatch and name per class. Continuous: a gradient bar with the
    robust min and max below it. RGB: the title only.
    """
    from PIL import Image, ImageDraw

    height, width = image.shape[:2]
    text_px = max(11, round(min(height, width * 0.625) / 55))
    font, title_font = _font(text_px), _font(round(text_px * 1.15))
    pad, gap = round(text_px * 0.7), round(text_px * 0.45)
    swatch = text_px
    canvas = Image.fromarray(np.ascontiguousarray(image[..., :3], dtype=np.uint8))
    draw = ImageDraw.Draw(canvas, "RGBA")

    lines: list[tuple[str, tuple[int, int, int] | None]] = []
    if legend.kind == "classes":
        shown = list(legend.entries[:max_entries])
        lines = [(label, hex_to_rgb(colour)) for label, colour in shown]
        if len(legend.entries) > max_entries:
            lines.append((f"… {len(legend.entries) - max_entries} more", None))
    bar_w = round(text_px * 12)
    span = (legend.vmax - legend.vmin) if legend.kind == "continuous" else 0.0
    low = high = ""
    if legend.kind == "continuous":
        low, high = format_value(legend.vmin, span), format_value(legend.vmax, span)

    content_w = _text_width(draw, legend.title, title_font)
    content_w = max([content_w] + [swatch + gap + _text_width(draw, t, font) for t, _ in lines])
    if legend.kind == "continuous":
        content_w = max(content_w, bar_w, _text_width(draw, f"{low}  {high}", font))
    row = text_px + gap
    content_h = round(text_px * 1.15) + gap + len(lines) * row
    if legend.kind == "continuous":
        content_h += swatch + gap + text_px + gap + text_px
    box_w, box_h = content_w + 2 * pad, content_h + 2 * pad
    x0 = max(0, width - box_w - pad)
    y0 = pad
    draw.rectangle([x0, y0, x0 + box_w, y0 + box_h], fill=(255, 255, 255, 225), outline=(90, 90, 90, 255))
    x, y = x0 + pad, y0 + pad
    draw.text((x, y), legend.title, fill=(0, 0, 0), font=title_font)
    y += round(text_px * 1.15) + gap
    for text, colour in lines:
        if colour is not None:
            draw.rectangle([x, y, x + swatch - 1, y + swatch - 1], fill=colour, outline=(60, 60, 60))
        draw.text((x + swatch + gap, y + swatch / 2), text, fill=(0, 0, 0), font=font, anchor="lm")
        y += row
    if legend.kind == "continuous":
        samples = legend.colormap_samples(bar_w)
        bar = np.repeat(samples[np.newaxis], swatch, axis=0)
        canvas.paste(Image.fromarray(bar), (x, y))
        draw.rectangle([x, y, x + bar_w - 1, y + swatch - 1], outline=(60, 60, 60))
        y += swatch + gap
        draw.text((x, y), low, fill=(0, 0, 0), font=font)
        draw.text((x + bar_w, y), high, fill=(0, 0, 0), font=font, anchor="ra")
        y += text_px + gap
        draw.text((x, y), "2nd–98th percentile", fill=(80, 80, 80), font=font)
    return np.asarray(canvas)


# -- rendering ---------------------------------------------------------------------------
def render_image(
    scene: SceneSpec,
    camera: Camera = "oblique_south",
    size: tuple[int, int] = (1600, 1000),
    background: str = "white",
    legend: bool = True,
    meshes: SceneMeshes | None = None,
    axes: bool = True,
) -> np.ndarray:
    """Render ``scene`` offscreen.

    Parameters
    ----------
    scene
        What to show (rendered as an offscreen scene: its title, if any, is drawn).
    camera
        A name of :data:`CAMERA_PRESETS`, or a dict (see :func:`resolve_camera`; real
        coordinates unless ``"frame": "local"``).
    size
        (width, height) in pixels.
    background
        Background colour (a name or ``#rrggbb``).
    legend
        Draw the legend (upper right) onto the picture.
    meshes
        Meshes already built for ``scene`` (saves rebuilding them for several views).
    axes
        Draw the small orientation axes (lower left).

    Returns
    -------
    numpy.ndarray
        (height, width, 3) uint8 RGB.
    """
    import pyvista as pv

    if isinstance(camera, str) and camera not in CAMERA_PRESETS:
        raise InputError(f"unknown camera preset '{camera}': use one of {', '.join(CAMERA_PRESETS)} or a dict")
    meshes = meshes or build_meshes(scene)
    previous = pv.OFF_SCREEN
    pv.OFF_SCREEN = True  # here, not at import: the GUI process shares the pyvista module
    plotter = pv.Plotter(off_screen=True, window_size=[int(size[0]), int(size[1])])
    try:
        plotter.set_background(background)
        # A file is not the desktop: the scene's title may be drawn (add_text is safe anyway).
        built = build_plotter(replace(scene, desktop_safe=False), plotter, meshes=meshes, axes=axes)
        _apply_camera(plotter, resolve_camera(camera, built.bounds, scene.origin, size))
        image = np.asarray(plotter.screenshot(return_img=True))[..., :3]
    finally:
        plotter.close()
        pv.OFF_SCREEN = previous
    if legend:
        image = draw_legend(image, meshes.legend)
    return np.ascontiguousarray(image, dtype=np.uint8)


def render_png(
    scene: SceneSpec,
    path: str | os.PathLike,
    camera: Camera = "oblique_south",
    size: tuple[int, int] = (1600, 1000),
    background: str = "white",
    legend: bool = True,
    axes: bool = True,
) -> Path:
    """Render ``scene`` offscreen to a PNG file, written atomically.

    Parameters are those of :func:`render_image`; ``path`` is the PNG to write (its
    folder must exist).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        Empty cloud, unknown colour mode or camera preset, a folder that does not exist
        or cannot be written.
    """
    from PIL import Image

    path = Path(path)
    check_output_path(path)  # fail before spending a second on rendering
    image = render_image(scene, camera=camera, size=size, background=background, legend=legend, axes=axes)
    with atomic_output(path) as temp:
        Image.fromarray(image).save(temp, format="PNG")
    return path
