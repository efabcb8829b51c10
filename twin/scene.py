"""3D scenes of the digital base: what a scene shows, and how it goes onto a PyVista plotter.

A :class:`SceneSpec` is pure data — a :class:`~citytwin.twin.cloud.LocalCloud`, how to
colour it, and optional layers (extruded building footprints, a DTM surface, 3D lines)
given in the cloud's *real* CRS. :func:`build_meshes` turns it into PyVista meshes in the
cloud's *local* frame (real coordinates minus ``LocalCloud.origin``), so every vertex is a
small float32 offset: at Gauss-Krüger magnitudes raw float32 coordinates would be quantised
to 0.03-0.5 m and buildings would jitter. :func:`build_plotter` adds those meshes to any
plotter: an offscreen ``pyvista.Plotter`` (``twin.render``) or, later, a pyvistaqt
``QtInteractor`` in the QGIS desktop.

Desktop safety: with the vtk 9.7.2 wheel, any actor that formats numeric labels (the
scalar bar that ``add_mesh(scalars=...)`` adds by default, ``show_bounds`` cube axes)
kills the whole QGIS desktop process (see ``../shared/ENVIRONMENT.md``). So the builder
never adds one — every ``add_mesh`` passes ``show_scalar_bar=False``, colours are given as
ready-made RGB, and the only annotations are ``add_text``/``add_axes``. The legend is
returned as data (:class:`Legend`) for the GUI to draw in Qt, and ``twin.render`` draws it
into PNGs with Pillow. :func:`numeric_label_actors` checks a plotter for such actors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from ..common.errors import InputError
from .cloud import ASPRS_CLASSES, LocalCloud, PointChunk

#: Colour modes every cloud may offer (when it has the attributes), besides any attribute name.
COLOUR_MODES = ("rgb", "classification", "elevation", "intensity")
#: Default colormaps of the continuous modes: perceptually uniform, and (unlike greys)
#: neither end vanishes on a white background.
DEFAULT_COLORMAPS = {"elevation": "viridis", "intensity": "cividis"}
#: Robust colour range: the 2nd-98th percentile, so a few outliers (birds, multipath,
#: saturated returns) do not squeeze every other point into one colour.
ROBUST_PERCENTILES = (2.0, 98.0)
#: Colour of points whose value is missing (NaN) in a continuous mode.
MISSING_COLOUR = "#808080"
#: Colours for classification codes that the ASPRS table does not name (reserved or
#: user-defined codes): distinct from each other, reused cyclically by code.
EXTRA_CLASS_COLOURS = ("#000000", "#6a3d9a", "#b15928", "#01665e", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")

#: Types of actors that format numeric labels and crash QGIS 3.22 with the vtk 9.7.2 wheel.
NUMERIC_LABEL_ACTOR_TYPES = (
    "vtkScalarBarActor",
    "vtkCubeAxesActor",
    "vtkCubeAxesActor2D",
    "vtkPolarAxesActor",
    "vtkLegendScaleActor",
    "vtkAxisActor",
    "vtkAxisActor2D",
    "vtkGridAxesActor3D",
    "vtkGridAxesActor2D",
)

Footprints = Sequence[Any]  # shapely (Multi)Polygons, a GeoSeries, or anything np.asarray makes geometries of
TerrainSampler = Callable[[np.ndarray, np.ndarray], np.ndarray]


# -- colours -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Legend:
    """What the colours of a scene mean, for a legend drawn outside VTK.

    Attributes
    ----------
    kind
        ``"classes"`` (``entries`` holds one swatch per class present), ``"continuous"``
        (``vmin``/``vmax``/``colormap``) or ``"rgb"`` (true colour: nothing to explain but
        the title).
    title
        Heading of the legend (``"Classification (ASPRS)"``, ``"Elevation"``, ...).
    entries
        ``(label, "#rrggbb")`` pairs, in class-code order.
    vmin, vmax
        Values mapped to the two ends of the colormap (the robust range); values beyond
        them take the end colours.
    colormap
        Matplotlib name of the colormap.
    """

    kind: str
    title: str
    entries: tuple[tuple[str, str], ...] = ()
    vmin: float | None = None
    vmax: float | None = None
    colormap: str | None = None

    def colormap_samples(self, n: int = 256) -> np.ndarray:
        """(n, 3) uint8 colours from ``vmin`` to ``vmax`` (for drawing a gradient bar)."""
        if self.kind != "continuous" or self.colormap is None:
            raise ValueError("only a continuous legend has a colormap")
        return colormap_rgb(np.linspace(0.0, 1.0, n), self.colormap)

    def ramp_colours(self, n: int = 16) -> list[str]:
        """``n`` ``#rrggbb`` colours from ``vmin`` to ``vmax`` (stops of a Qt gradient)."""
        return ["#" + bytes(c).hex() for c in self.colormap_samples(n).tolist()]


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#d7191c"`` -> ``(215, 25, 28)``."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise InputError(f"'{colour}' is not a #rrggbb colour")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def colormap_rgb(fractions: np.ndarray, name: str) -> np.ndarray:
    """Colours of a Matplotlib colormap at ``fractions`` in [0, 1]; NaN -> :data:`MISSING_COLOUR`.

    Returns
    -------
    numpy.ndarray
        (N, 3) uint8 RGB.
    """
    import matplotlib

    try:
        cmap = matplotlib.colormaps[name]
    except KeyError:
        raise InputError(f"unknown colormap '{name}' (try viridis, cividis, terrain, plasma, gray)") from None
    fractions = np.asarray(fractions, dtype=np.float64)
    missing = ~np.isfinite(fractions)
    rgba = cmap(np.clip(np.where(missing, 0.0, fractions), 0.0, 1.0), bytes=True)
    rgb = np.ascontiguousarray(rgba[..., :3], dtype=np.uint8)
    rgb[missing] = hex_to_rgb(MISSING_COLOUR)
    return rgb


def class_colour(code: int) -> tuple[str, str]:
    """(name, "#rrggbb") of a classification code: the ASPRS palette, else a fallback."""
    if code in ASPRS_CLASSES:
        return ASPRS_CLASSES[code]
    return f"Class {code}", EXTRA_CLASS_COLOURS[code % len(EXTRA_CLASS_COLOURS)]


def _has_rgb(cloud: LocalCloud) -> bool:
    return all(name in cloud.attributes for name in ("red", "green", "blue"))


def available_colour_modes(cloud: LocalCloud) -> list[str]:
    """The ``colour_by`` values ``cloud`` supports: modes first, then its other attributes."""
    modes = []
    if _has_rgb(cloud):
        modes.append("rgb")
    if "classification" in cloud.attributes:
        modes.append("classification")
    modes.append("elevation")
    if "intensity" in cloud.attributes:
        modes.append("intensity")
    skip = {"red", "green", "blue", "classification", "intensity"}
    modes += sorted(name for name in cloud.attributes if name not in skip)
    return modes


def resolve_colour_by(cloud: LocalCloud, colour_by: str) -> str:
    """``"auto"`` -> ``rgb`` when present, else ``classification``, else ``elevation``."""
    if colour_by != "auto":
        return colour_by
    for mode in ("rgb", "classification"):
        if mode in available_colour_modes(cloud):
            return mode
    return "elevation"


def rgb_to_8bit(red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> tuple[np.ndarray, bool]:
    """LAS colour channels -> (N, 3) uint8, and whether they were taken as 16-bit.

    LAS stores colour as 16-bit, but many writers put 8-bit values in those fields. When
    no channel exceeds 255 the content is taken as 8-bit (the rule CloudCompare and PDAL
    follow); otherwise each value is rounded from the 0-65535 scale (v / 257).
    """
    stacked = np.column_stack([np.asarray(red), np.asarray(green), np.asarray(blue)]).astype(np.int64)
    if stacked.size and stacked.min() < 0:
        raise InputError("negative RGB values", field="red/green/blue")
    is16 = bool(stacked.size and stacked.max() > 255)
    if is16:
        # Integer rounding of v * 255 / 65535, exact for values written as 8-bit * 257.
        stacked = (stacked * 255 + 32767) // 65535
    return np.clip(stacked, 0, 255).astype(np.uint8), is16


def _continuous(values: np.ndarray, colormap: str, title: str) -> tuple[np.ndarray, Legend]:
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if finite.any():
        vmin, vmax = (float(v) for v in np.percentile(values[finite], ROBUST_PERCENTILES))
    else:
        vmin = vmax = float("nan")
    span = vmax - vmin
    # A constant attribute gets one mid colour rather than a division by zero.
    fractions = (values - vmin) / span if finite.any() and span > 0 else np.where(finite, 0.5, np.nan)
    return colormap_rgb(fractions, colormap), Legend("continuous", title, vmin=vmin, vmax=vmax, colormap=colormap)


def color_values(cloud: LocalCloud, colour_by: str = "auto", colormap: str | None = None) -> tuple[np.ndarray, Legend]:
    """Colour of every point and the legend that explains them.

    Parameters
    ----------
    cloud
        The points.
    colour_by
        ``"rgb"`` (LAS colour, 8- or 16-bit content detected), ``"classification"`` (the
        ASPRS palette of :data:`~citytwin.twin.cloud.ASPRS_CLASSES`), ``"elevation"``
        (real z), ``"intensity"``, any other attribute name (continuous), or ``"auto"``.
    colormap
        Matplotlib colormap of the continuous modes (default: viridis, cividis for
        intensity), mapped over the 2nd-98th percentile of the values.

    Returns
    -------
    rgb : numpy.ndarray
        (N, 3) uint8 colours.
    legend : Legend
        Classes with their colours, or the colormap with its value range.

    Raises
    ------
    InputError
        Empty cloud; a ``colour_by`` the cloud does not have (the message lists those it has).
    """
    if len(cloud) == 0:
        raise InputError("the point cloud is empty: nothing to colour or show", source=cloud.source or None)
    mode = resolve_colour_by(cloud, colour_by)
    available = available_colour_modes(cloud)
    if mode not in available:
        raise InputError(
            f"cannot colour points by '{colour_by}': this cloud offers {', '.join(available)}",
            source=cloud.source or None,
            field=colour_by,
        )
    attrs = cloud.attributes
    if mode == "rgb":
        rgb, is16 = rgb_to_8bit(attrs["red"], attrs["green"], attrs["blue"])
        return rgb, Legend("rgb", f"RGB colour ({'16' if is16 else '8'}-bit)")
    if mode == "classification":
        codes = np.asarray(attrs["classification"]).astype(np.int64)
        present = np.unique(codes)
        # A lookup table over the codes present: one fancy-index instead of a loop per class.
        lut = np.zeros((int(present.max()) + 1, 3), dtype=np.uint8)
        entries = []
        for code in present.tolist():
            name, colour = class_colour(code)
            lut[code] = hex_to_rgb(colour)
            entries.append((f"{code} {name}", colour))
        return lut[codes], Legend("classes", "Classification (ASPRS)", entries=tuple(entries))
    if mode == "elevation":
        z = cloud.xyz[:, 2].astype(np.float64) + float(cloud.origin[2])
        return _continuous(z, colormap or DEFAULT_COLORMAPS["elevation"], "Elevation")
    values = np.asarray(attrs[mode])
    if values.dtype == bool:
        values = values.astype(np.uint8)
    if not np.issubdtype(values.dtype, np.number):
        raise InputError(f"attribute '{mode}' is not numeric ({values.dtype})", source=cloud.source or None, field=mode)
    title = "Intensity" if mode == "intensity" else mode
    return _continuous(values, colormap or DEFAULT_COLORMAPS.get(mode, "viridis"), title)


# -- layers ------------------------------------------------------------------------------
@dataclass
class TerrainSurface:
    """A DTM raster shown as a surface.

    Attributes
    ----------
    z
        (rows, cols) heights in the cloud's vertical units; ``nodata`` and NaN are masked.
    geotransform
        GDAL-style ``(x0, pixel_width, 0, y0, 0, pixel_height)`` of the pixel *corners*
        (``pixel_height`` negative for north-up rasters); rotation terms must be 0.
    nodata
        The no-data value, or None.
    color
        Flat colour of the surface when ``colormap`` is None.
    colormap
        Colour the surface by elevation with this Matplotlib colormap instead.
    opacity, name
        Display opacity; layer name (actor name, VTK block, glTF node).
    """

    z: np.ndarray
    geotransform: Sequence[float]
    nodata: float | None = None
    color: str = "#c8b898"
    colormap: str | None = None
    opacity: float = 1.0
    name: str = "terrain"

    def __post_init__(self) -> None:
        self.z = np.asarray(self.z, dtype=np.float64)
        if self.z.ndim != 2 or min(self.z.shape) < 2:
            raise InputError(f"a DTM needs a 2D array of at least 2 x 2 cells, got shape {self.z.shape}")
        gt = tuple(float(v) for v in self.geotransform)
        if len(gt) != 6:
            raise InputError("a DTM geotransform has 6 numbers (x0, dx, 0, y0, 0, dy)")
        if gt[2] != 0.0 or gt[4] != 0.0 or gt[1] == 0.0 or gt[5] == 0.0:
            raise InputError("rotated or degenerate DTM geotransforms are not supported")
        self.geotransform = gt

    @property
    def valid(self) -> np.ndarray:
        """(rows, cols) True where the DTM has a value."""
        mask = np.isfinite(self.z)
        if self.nodata is not None:
            mask &= self.z != self.nodata
        return mask

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x of the column centres, y of the row centres (real CRS)."""
        x0, dx, _, y0, _, dy = self.geotransform
        rows, cols = self.z.shape
        return x0 + (np.arange(cols) + 0.5) * dx, y0 + (np.arange(rows) + 0.5) * dy

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear heights at real (x, y) between pixel centres; NaN outside or next to no-data."""
        x0, dx, _, y0, _, dy = self.geotransform
        rows, cols = self.z.shape
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        fc = (x - x0) / dx - 0.5  # fractional column of the pixel-centre grid
        fr = (y - y0) / dy - 0.5
        inside = (fc >= -0.5) & (fc <= cols - 0.5) & (fr >= -0.5) & (fr <= rows - 0.5)
        # Clamp to the centre grid: the outer half pixel takes the edge values.
        fc = np.clip(fc, 0.0, cols - 1.0)
        fr = np.clip(fr, 0.0, rows - 1.0)
        c0 = np.minimum(np.floor(fc).astype(np.int64), cols - 2)
        r0 = np.minimum(np.floor(fr).astype(np.int64), rows - 2)
        tc, tr = fc - c0, fr - r0
        z = np.where(self.valid, self.z, np.nan)
        out = (
            z[r0, c0] * (1 - tc) * (1 - tr)
            + z[r0, c0 + 1] * tc * (1 - tr)
            + z[r0 + 1, c0] * (1 - tc) * tr
            + z[r0 + 1, c0 + 1] * tc * tr
        )
        return np.where(inside, out, np.nan)


def ground_from_cloud(cloud: LocalCloud, cell_size: float | None = None) -> TerrainSurface:
    """A DTM of ``cloud`` itself (ground class 2, else the ground filter) for buildings to stand on.

    For scenes given footprints but no DTM. The cell is twice the cloud's decimation voxel
    (at least 2 m), so thinned clouds still have ground in most cells; gaps under
    buildings are interpolated from the ground around them (:mod:`citytwin.twin.terrain`).
    """
    from .terrain import surfaces_from_chunks

    if cell_size is None:
        cell_size = max(2.0, 2.0 * float(cloud.voxel_size or 0.0))
    real = cloud.real_xyz()
    attributes = {}
    if "classification" in cloud.attributes:
        attributes["classification"] = np.asarray(cloud.attributes["classification"])
    chunk = PointChunk(real[:, 0].copy(), real[:, 1].copy(), real[:, 2].copy(), attributes)
    surfaces = surfaces_from_chunks([chunk], cell_size, crs_wkt=cloud.crs_wkt)
    return TerrainSurface(surfaces.dtm, surfaces.spec.geotransform, nodata=surfaces.nodata, name="ground")


@dataclass
class BuildingsLayer:
    """Building footprints extruded into closed boxes (prisms).

    Attributes
    ----------
    footprints
        Shapely Polygons/MultiPolygons (or a GeoSeries) in the cloud's real CRS.
    heights
        Height of each footprint above its base, metres (NaN or <= 0: skipped).
    base_z
        Base elevation per footprint (or one for all). When None the base is the lowest
        ``terrain`` height under the footprint's vertices, so no wall floats above ground.
    terrain
        A :class:`TerrainSurface` or a function ``(x, y) -> z``; when both this and
        ``base_z`` are None the scene's terrain is used.
    color, opacity, name
        Display colour, opacity, and layer name.
    """

    footprints: Footprints
    heights: Sequence[float] | np.ndarray
    base_z: float | Sequence[float] | np.ndarray | None = None
    terrain: Union[TerrainSurface, TerrainSampler, None] = None
    color: str = "#d9d9d9"
    opacity: float = 1.0
    name: str = "buildings"


@dataclass
class LinesLayer:
    """3D polylines (routes, networks, profiles) in the cloud's real CRS.

    Attributes
    ----------
    lines
        (N, 3) arrays of real x, y, z, or shapely LineStrings/MultiLineStrings with z.
    color, width, name
        Display colour, line width (pixels), layer name.
    """

    lines: Sequence[Any]
    color: str = "#1f78b4"
    width: float = 3.0
    name: str = "lines"


@dataclass
class SceneSpec:
    """What a 3D scene shows.

    Attributes
    ----------
    cloud
        The point cloud; its ``origin`` is the local frame of every layer.
    colour_by
        See :func:`color_values`; ``"auto"`` picks rgb, then classification, then elevation.
    colormap
        Colormap of continuous colour modes (None: the mode's default).
    point_size
        Point size in pixels.
    eye_dome_lighting
        Shade the cloud with eye-dome lighting (depth edges darkened): shapes of roofs
        and trees read without normals.
    buildings, terrain, lines
        Optional layers, all in the cloud's real CRS.
    desktop_safe
        Scene meant for the QGIS desktop: nothing but meshes, points, ``add_axes`` (no
        titles either: the Qt side draws its own overlays). False for offscreen renders,
        which may add a title with ``add_text``. Numeric-label actors are never added.
    title
        Title shown in offscreen renders.
    """

    cloud: LocalCloud
    colour_by: str = "auto"
    colormap: str | None = None
    point_size: float = 2.0
    eye_dome_lighting: bool = True
    buildings: list[BuildingsLayer] = field(default_factory=list)
    terrain: TerrainSurface | None = None
    lines: list[LinesLayer] = field(default_factory=list)
    desktop_safe: bool = True
    title: str | None = None

    @property
    def origin(self) -> np.ndarray:
        """Real coordinates of the local frame's origin (float64)."""
        return np.asarray(self.cloud.origin, dtype=np.float64)

    @property
    def has_layers(self) -> bool:
        """True when the scene shows more than the cloud."""
        return bool(self.buildings or self.terrain is not None or self.lines)


# -- meshes ------------------------------------------------------------------------------
def _to_local(real: np.ndarray, origin: np.ndarray) -> np.ndarray:
    # Subtract in float64, then narrow: the offsets are small, so float32 keeps millimetres.
    return (np.asarray(real, dtype=np.float64) - np.asarray(origin, dtype=np.float64)).astype(np.float32)


def cloud_mesh(cloud: LocalCloud, rgb: np.ndarray | None = None, attributes: bool = True) -> Any:
    """The cloud as ``pyvista.PolyData``: float32 local points, one vertex cell each.

    Point data: ``RGB`` (uint8, when ``rgb`` is given, the active scalars) and, with
    ``attributes``, every numeric attribute under its own name.
    """
    import pyvista as pv

    if len(cloud) == 0:
        raise InputError("the point cloud is empty", source=cloud.source or None)
    mesh = pv.PolyData(np.ascontiguousarray(cloud.xyz, dtype=np.float32))
    if attributes:
        for name, raw in cloud.attributes.items():
            values = np.asarray(raw)
            if values.dtype == bool:
                values = values.astype(np.uint8)  # VTK has no boolean arrays
            if np.issubdtype(values.dtype, np.number) and values.shape[:1] == (len(cloud),):
                mesh.point_data[name] = values
    if rgb is not None:
        mesh.point_data["RGB"] = np.ascontiguousarray(rgb, dtype=np.uint8)
        mesh.point_data.active_scalars_name = "RGB"
    return mesh


def _polygon_parts(footprints: Footprints) -> tuple[np.ndarray, np.ndarray]:
    """Valid, non-empty polygons (exterior CCW, holes CW) and the footprint each came from."""
    import shapely

    geoms = np.asarray(list(footprints), dtype=object)
    if geoms.size and not all(isinstance(g, shapely.Geometry) or g is None for g in geoms):
        raise InputError("building footprints must be shapely geometries")
    geoms = np.where(_is_null(geoms), None, geoms)
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    # Twice: make_valid may give GeometryCollections that hold MultiPolygons.
    parts1, index1 = shapely.get_parts(geoms, return_index=True)
    parts, index2 = shapely.get_parts(parts1, return_index=True)
    owner = index1[index2]
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, owner = parts[keep], owner[keep]
    parts = shapely.remove_repeated_points(parts)
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        parts = shapely.orient_polygons(parts, exterior_cw=False)
    else:
        from shapely.geometry.polygon import orient

        parts = np.array([orient(p, 1.0) for p in parts], dtype=object)
    return parts, owner


def _is_null(values: np.ndarray) -> np.ndarray:
    """True for None (and NaN placeholders) in an object array of geometries."""
    return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values], dtype=bool)


def _cap_triangles(parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3, 2) counter-clockwise triangles covering each polygon, and their polygon index."""
    import shapely

    if hasattr(shapely, "constrained_delaunay_triangles"):  # shapely >= 2.1, GEOS >= 3.10
        tri_sets = shapely.constrained_delaunay_triangles(parts)
        tris, tri_part = shapely.get_parts(tri_sets, return_index=True)
    else:
        # Older shapely: unconstrained Delaunay, keeping triangles inside the polygon.
        # Exact for convex footprints; a concave one may lose a sliver.
        from shapely.ops import triangulate

        tris, tri_part = [], []
        for k, poly in enumerate(parts):
            for t in triangulate(poly):
                if poly.contains(t.representative_point()):
                    tris.append(t)
                    tri_part.append(k)
        tris, tri_part = np.array(tris, dtype=object), np.array(tri_part, dtype=np.int64)
    if len(tris) == 0:
        return np.zeros((0, 3, 2)), np.zeros(0, dtype=np.int64)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(tris)).reshape(-1, 4, 2)[:, :3]
    a, b, c = coords[:, 0], coords[:, 1], coords[:, 2]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    clockwise = cross < 0
    coords[clockwise] = coords[clockwise][:, [0, 2, 1]]
    keep = cross != 0
    return coords[keep], np.asarray(tri_part)[keep]


def building_bases(layer: BuildingsLayer, scene_terrain: TerrainSurface | None = None) -> np.ndarray:
    """Base elevation of every footprint of ``layer`` (NaN where none can be found)."""
    import shapely

    geoms = np.asarray(list(layer.footprints), dtype=object)
    n = len(geoms)
    if layer.base_z is not None:
        base = np.broadcast_to(np.asarray(layer.base_z, dtype=np.float64), (n,)).copy()
        return base
    terrain = layer.terrain if layer.terrain is not None else scene_terrain
    if terrain is None:
        raise InputError(f"buildings layer '{layer.name}' needs base_z or a terrain (DTM) to stand on", field="base_z")
    sampler = terrain.sample if isinstance(terrain, TerrainSurface) else terrain
    geoms = np.where(_is_null(geoms), None, geoms)
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    base = np.full(n, np.nan)
    if len(coords):
        z = np.asarray(sampler(coords[:, 0], coords[:, 1]), dtype=np.float64)
        ok = np.isfinite(z)
        # The lowest ground under the outline, so that no wall floats on a slope.
        np.fmin.at(base, which[ok], z[ok])
    return base


def extrude_footprints(
    footprints: Footprints,
    heights: Sequence[float] | np.ndarray,
    origin: np.ndarray,
    base_z: float | Sequence[float] | np.ndarray,
) -> Any:
    """Closed triangle meshes of footprints extruded from ``base_z`` up by ``heights``.

    Caps come from a constrained Delaunay triangulation of each polygon (holes
    respected), walls from every ring edge; vertices are merged exactly, so each
    building is a closed, consistently outward-oriented surface (its volume is
    meaningful).

    Parameters
    ----------
    footprints
        Polygons/MultiPolygons in the real CRS.
    heights
        Metres above the base; footprints with NaN or non-positive heights are skipped.
    origin
        Real coordinates of the local frame.
    base_z
        Base elevation per footprint, or one value for all (NaN: skipped).

    Returns
    -------
    pyvista.PolyData
        Local float32 points, triangles; cell data ``building`` (input index) and
        ``height``; field data ``citytwin_skipped_buildings`` (input indices not built).
    """
    import pyvista as pv
    import shapely

    footprints = list(footprints)
    heights = np.asarray(heights, dtype=np.float64).reshape(-1)
    n = len(footprints)
    if heights.shape[0] != n:
        raise InputError(f"{n} footprints but {heights.shape[0]} heights", field="heights")
    base = np.broadcast_to(np.asarray(base_z, dtype=np.float64), (n,))
    top = base + heights
    parts, owner = _polygon_parts(footprints)
    good = np.isfinite(heights) & (heights > 0) & np.isfinite(base)
    keep = good[owner]
    parts, owner = parts[keep], owner[keep]
    skipped = np.setdiff1d(np.arange(n), owner)

    caps, cap_part = _cap_triangles(parts)
    cap_owner = owner[cap_part]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    # Rings are closed (last = first), so consecutive coordinates of a ring are its edges.
    same = coord_ring[:-1] == coord_ring[1:]
    a, b = coords[:-1][same], coords[1:][same]
    edge_owner = owner[ring_part[coord_ring[:-1][same]]]
    nonzero = np.any(a != b, axis=1)
    a, b, edge_owner = a[nonzero], b[nonzero], edge_owner[nonzero]

    def lift(xy: np.ndarray, z: np.ndarray) -> np.ndarray:
        return np.column_stack([xy, z])

    zt, zb = top[cap_owner], base[cap_owner]
    top_tris = np.stack([lift(caps[:, k], zt) for k in (0, 1, 2)], axis=1)
    # Bottom caps reversed: their normals point down, out of the solid.
    bottom_tris = np.stack([lift(caps[:, k], zb) for k in (0, 2, 1)], axis=1)
    eb, et = base[edge_owner], top[edge_owner]
    # Exterior rings run counter-clockwise, so (a, b, up) turns outwards; holes run
    # clockwise and their walls face into the hole: out of the solid too.
    wall1 = np.stack([lift(a, eb), lift(b, eb), lift(b, et)], axis=1)
    wall2 = np.stack([lift(a, eb), lift(b, et), lift(a, et)], axis=1)
    soup = np.concatenate([top_tris, bottom_tris, wall1, wall2]).reshape(-1, 3)
    tri_owner = np.concatenate([cap_owner, cap_owner, edge_owner, edge_owner])

    local = _to_local(soup, origin)
    # Merge after narrowing to float32: vertices are shared exactly as they are stored.
    points, inverse = np.unique(local, axis=0, return_inverse=True)
    triangles = inverse.reshape(-1).reshape(-1, 3)
    faces = np.column_stack([np.full(len(triangles), 3), triangles]).ravel()
    mesh = pv.PolyData(points.astype(np.float32), faces=faces) if len(triangles) else pv.PolyData()
    if len(triangles):
        mesh.cell_data["building"] = tri_owner.astype(np.int64)
        mesh.cell_data["height"] = heights[tri_owner]
    mesh.field_data["citytwin_skipped_buildings"] = skipped.astype(np.int64)
    return mesh


def buildings_mesh(layer: BuildingsLayer, origin: np.ndarray, scene_terrain: TerrainSurface | None = None) -> Any:
    """:func:`extrude_footprints` for a :class:`BuildingsLayer` (bases resolved)."""
    return extrude_footprints(layer.footprints, layer.heights, origin, building_bases(layer, scene_terrain))


def terrain_mesh(terrain: TerrainSurface, origin: np.ndarray) -> Any:
    """The DTM as a triangle surface in the local frame.

    Vertices sit at the pixel *centres* (a DTM value is the height at the centre of its
    cell), so the mesh spans from the first to the last centre: the raster extent minus
    half a pixel on each side. Cells touching no-data are left out (holes, not spikes).

    Returns
    -------
    pyvista.PolyData
        Float32 local points, triangles counter-clockwise seen from above, point data
        ``elevation`` (real z) and ``RGB`` when the surface has a colormap.
    """
    import pyvista as pv

    rows, cols = terrain.z.shape
    xs, ys = terrain.pixel_centres()
    valid = terrain.valid
    ids = np.arange(rows * cols).reshape(rows, cols)
    p00, p01, p10, p11 = ids[:-1, :-1], ids[:-1, 1:], ids[1:, :-1], ids[1:, 1:]
    quad_ok = (valid[:-1, :-1] & valid[:-1, 1:] & valid[1:, :-1] & valid[1:, 1:]).ravel()
    dx, dy = terrain.geotransform[1], terrain.geotransform[5]
    if dx * dy < 0:  # north-up: rows run south, so (00, 11, 01) is counter-clockwise
        t1 = np.column_stack([p00.ravel(), p11.ravel(), p01.ravel()])
        t2 = np.column_stack([p00.ravel(), p10.ravel(), p11.ravel()])
    else:
        t1 = np.column_stack([p00.ravel(), p01.ravel(), p11.ravel()])
        t2 = np.column_stack([p00.ravel(), p11.ravel(), p10.ravel()])
    triangles = np.concatenate([t1[quad_ok], t2[quad_ok]])
    if len(triangles) == 0:
        raise InputError(f"DTM '{terrain.name}' has no 2 x 2 block of valid cells to show")
    used, inverse = np.unique(triangles, return_inverse=True)
    gx, gy = np.meshgrid(xs, ys)
    real = np.column_stack([gx.ravel()[used], gy.ravel()[used], terrain.z.ravel()[used]])
    faces = np.column_stack([np.full(len(triangles), 3), inverse.reshape(-1, 3)]).ravel()
    mesh = pv.PolyData(_to_local(real, origin), faces=faces)
    mesh.point_data["elevation"] = real[:, 2]
    if terrain.colormap:
        rgb, _ = _continuous(real[:, 2], terrain.colormap, "Terrain elevation")
        mesh.point_data["RGB"] = rgb
    return mesh


def _line_arrays(line: Any, index: int) -> list[np.ndarray]:
    import shapely

    if isinstance(line, shapely.Geometry):
        if not shapely.has_z(line):
            raise InputError(f"line {index} has no z: give 3D lines (x, y, z in the cloud's CRS)")
        return [shapely.get_coordinates(part, include_z=True) for part in shapely.get_parts(line)]
    array = np.asarray(line, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 3:
        raise InputError(f"line {index} must be an (N, 3) array of x, y, z, got shape {array.shape}")
    return [array]


def lines_mesh(layer: LinesLayer, origin: np.ndarray) -> Any:
    """Polylines of ``layer`` as ``pyvista.PolyData`` (float32 local points, line cells)."""
    import pyvista as pv

    arrays = [a for k, line in enumerate(layer.lines) for a in _line_arrays(line, k) if len(a) >= 2]
    if not arrays:
        raise InputError(f"lines layer '{layer.name}' has no line with 2 or more vertices")
    points = np.concatenate(arrays)
    starts = np.cumsum([0] + [len(a) for a in arrays[:-1]])
    cells = np.concatenate([np.concatenate([[len(a)], s + np.arange(len(a))]) for a, s in zip(arrays, starts)])
    return pv.PolyData(_to_local(points, origin), lines=cells.astype(np.int64))


@dataclass
class SceneMeshes:
    """The meshes of a scene, in its local frame (what plotters show and exports write)."""

    cloud: Any
    rgb: np.ndarray
    legend: Legend
    buildings: list[tuple[BuildingsLayer, Any]] = field(default_factory=list)
    terrain: tuple[TerrainSurface, Any] | None = None
    lines: list[tuple[LinesLayer, Any]] = field(default_factory=list)

    def all_meshes(self) -> list[Any]:
        """Every non-empty mesh, cloud first."""
        meshes = [self.cloud] + [m for _, m in self.buildings]
        if self.terrain is not None:
            meshes.append(self.terrain[1])
        meshes += [m for _, m in self.lines]
        return [m for m in meshes if m.n_points]

    @property
    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """(xmin, xmax, ymin, ymax, zmin, zmax) of everything, local frame."""
        b = np.array([m.bounds for m in self.all_meshes()], dtype=np.float64)
        return (b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max(), b[:, 4].min(), b[:, 5].max())


def build_meshes(scene: SceneSpec, attributes: bool = False) -> SceneMeshes:
    """Every layer of ``scene`` as PyVista meshes in the cloud's local frame.

    Parameters
    ----------
    scene
        What to show.
    attributes
        Also copy the cloud's attributes into its point data (for exports).
    """
    rgb, legend = color_values(scene.cloud, scene.colour_by, scene.colormap)
    origin = scene.origin
    return SceneMeshes(
        cloud=cloud_mesh(scene.cloud, rgb, attributes=attributes),
        rgb=rgb,
        legend=legend,
        buildings=[(layer, buildings_mesh(layer, origin, scene.terrain)) for layer in scene.buildings],
        terrain=(scene.terrain, terrain_mesh(scene.terrain, origin)) if scene.terrain is not None else None,
        lines=[(layer, lines_mesh(layer, origin)) for layer in scene.lines],
    )


# -- plotter -----------------------------------------------------------------------------
def numeric_label_actors(plotter: Any) -> list[str]:
    """Class names of actors on ``plotter`` that format numeric labels (unsafe in QGIS)."""
    found = []
    for renderer in plotter.renderers:
        props = renderer.GetViewProps()
        props.InitTraversal()
        for _ in range(props.GetNumberOfItems()):
            prop = props.GetNextProp()
            if any(prop.IsA(name) for name in NUMERIC_LABEL_ACTOR_TYPES):
                found.append(prop.GetClassName())
    return found


@dataclass
class BuiltScene:
    """What :func:`build_plotter` put on a plotter."""

    meshes: SceneMeshes
    actors: dict[str, Any]

    @property
    def legend(self) -> Legend:
        """The legend to draw outside VTK."""
        return self.meshes.legend

    @property
    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """Local bounds of everything shown."""
        return self.meshes.bounds


def build_plotter(scene: SceneSpec, plotter: Any, meshes: SceneMeshes | None = None, axes: bool = True) -> BuiltScene:
    """Add the actors of ``scene`` to ``plotter`` (offscreen Plotter or QtInteractor).

    Every mesh is added with ``show_scalar_bar=False`` and colours as direct RGB; no
    bounds axes. Annotations are limited to ``add_axes`` and, when the scene is not
    ``desktop_safe``, a title with ``add_text``.

    Parameters
    ----------
    scene
        What to show.
    plotter
        Any PyVista plotter.
    meshes
        Meshes already built with :func:`build_meshes` (built here when None).
    axes
        Add the small orientation axes (``add_axes``).

    Returns
    -------
    BuiltScene
        The meshes, their actors by layer name, the legend and the bounds.

    Raises
    ------
    RuntimeError
        When a numeric-label actor is on the plotter afterwards (a desktop-safe scene must
        not crash QGIS; this catches a future PyVista adding one behind our back).
    """
    meshes = meshes or build_meshes(scene)
    # A viewer rebuilds its scene on the same plotter (another colouring, a layer toggled):
    # remove what the previous build added, so no layer outlives its scene.
    for name in getattr(plotter, "_citytwin_actor_names", ()):
        plotter.remove_actor(name, reset_camera=False, render=False)
    actors: dict[str, Any] = {}
    if meshes.terrain is not None:
        layer, mesh = meshes.terrain
        colour = {"scalars": "RGB", "rgb": True} if "RGB" in mesh.point_data else {"color": layer.color}
        actors[layer.name] = plotter.add_mesh(
            mesh, name=layer.name, opacity=layer.opacity, smooth_shading=True, show_scalar_bar=False, **colour
        )
    for layer, mesh in meshes.buildings:
        if mesh.n_cells:
            actors[layer.name] = plotter.add_mesh(
                mesh, name=layer.name, color=layer.color, opacity=layer.opacity, show_scalar_bar=False
            )
    for layer, mesh in meshes.lines:
        actors[layer.name] = plotter.add_mesh(
            mesh, name=layer.name, color=layer.color, line_width=layer.width, show_scalar_bar=False
        )
    # Points are drawn unlit (they have no normals): the displayed colour is the RGB given,
    # so class colours stay recognisable; eye-dome lighting supplies the shape cues.
    actors["cloud"] = plotter.add_mesh(
        meshes.cloud,
        name="cloud",
        scalars="RGB",
        rgb=True,
        style="points",
        point_size=scene.point_size,
        render_points_as_spheres=False,
        lighting=False,
        show_scalar_bar=False,
    )
    if scene.eye_dome_lighting:
        plotter.enable_eye_dome_lighting()
    else:
        plotter.disable_eye_dome_lighting()
    if axes:
        plotter.add_axes()
    if scene.title and not scene.desktop_safe:
        plotter.add_text(scene.title, position="upper_left", font_size=12, color="black", name="title")
    # PyVista may still register a scalar bar for RGB scalars in some versions: remove it.
    for title in list(getattr(plotter, "scalar_bars", {}) or {}):
        plotter.remove_scalar_bar(title)
    plotter._citytwin_actor_names = [*actors, "title"]
    unsafe = numeric_label_actors(plotter)
    if unsafe:
        raise RuntimeError(f"numeric-label actors on the plotter would crash QGIS: {', '.join(unsafe)}")
    return BuiltScene(meshes, actors)
