"""Point-cloud data shared by the readers, terrain derivation, scenes and exports.

Two shapes of the same data:

- :class:`PointChunk` — a slice of a file in *real* coordinates (float64, metres of the
  CRS), as the streaming reader yields it. Terrain rasters and building heights are
  computed from chunks, so they use every point while memory stays bounded.
- :class:`LocalCloud` — a (decimated) cloud ready to render or export: coordinates are
  shifted to a local origin *before* they become float32, because float32 has only
  24 bits of mantissa — at Gauss-Krüger magnitudes (x ~ 5e5, y ~ 4.4e6 m) its spacing
  is 0.03-0.5 m, enough to make a building jitter. The origin (float64) is kept, so
  ``origin + xyz`` maps every point back to its real coordinates to the millimetre.

Attribute names follow laspy's dimension names (``classification``, ``intensity``,
``red``/``green``/``blue`` as 16-bit, ``gps_time``, ``return_number``, ...) plus any
extra-bytes dimensions under their own names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PointChunk:
    """Points in real coordinates (float64) with their attributes (same length)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    attributes: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, index: np.ndarray) -> PointChunk:
        """The points at ``index`` (a boolean mask or integer positions)."""
        return PointChunk(
            self.x[index], self.y[index], self.z[index], {k: v[index] for k, v in self.attributes.items()}
        )


@dataclass
class LocalCloud:
    """A cloud in a local frame: real coordinates = ``origin + xyz``.

    Attributes
    ----------
    origin
        Real coordinates (float64) of the local origin, in the cloud's CRS.
    xyz
        (N, 3) float32 offsets from the origin, metres.
    attributes
        Per-point arrays (N,), names as in :class:`PointChunk`.
    crs_wkt
        CRS of the real coordinates (None when unknown: never guessed).
    source
        Where the points came from (file path, or a description).
    total_points
        Points in the source before decimation.
    voxel_size
        Edge of the decimation voxel (m), None when not decimated.
    """

    origin: np.ndarray
    xyz: np.ndarray
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    crs_wkt: str | None = None
    source: str = ""
    total_points: int = 0
    voxel_size: float | None = None

    def __len__(self) -> int:
        return int(self.xyz.shape[0])

    def real_xyz(self) -> np.ndarray:
        """(N, 3) float64 real coordinates."""
        return self.xyz.astype(np.float64) + np.asarray(self.origin, dtype=np.float64)

    @staticmethod
    def choose_origin(xmin: float, ymin: float, zmin: float) -> np.ndarray:
        """A round origin near the data (whole 100 m), easy to state in exports."""
        return np.array(
            [np.floor(xmin / 100.0) * 100.0, np.floor(ymin / 100.0) * 100.0, np.floor(zmin)], dtype=np.float64
        )

    @classmethod
    def from_chunk(cls, chunk: PointChunk, origin: np.ndarray | None = None, **kwargs) -> LocalCloud:
        """Shift a chunk to a local frame (origin chosen from the data when not given)."""
        return cls.from_chunks([chunk], origin, **kwargs)

    @classmethod
    def from_chunks(cls, chunks: list[PointChunk], origin: np.ndarray | None = None, **kwargs) -> LocalCloud:
        """:meth:`from_chunk` of the chunks one after the other (at least one; same attributes),
        without joining their real coordinates first."""
        chunks = [c for c in chunks if len(c)] or chunks[:1]
        if origin is None:
            lows = [(float(c.x.min()), float(c.y.min()), float(c.z.min())) for c in chunks if len(c)]
            origin = cls.choose_origin(*np.min(lows, axis=0)) if lows else np.zeros(3)
        origin = np.asarray(origin, dtype=np.float64)
        xyz = np.empty((sum(len(c) for c in chunks), 3), dtype=np.float32)
        start = 0
        for c in chunks:
            stop = start + len(c)
            # Subtract in float64 first, then narrow: the offsets are small, so float32 keeps mm.
            for axis, values in enumerate((c.x, c.y, c.z)):
                xyz[start:stop, axis] = values - origin[axis]
            start = stop
        if len(chunks) == 1:
            attributes = dict(chunks[0].attributes)
        else:
            attributes = {name: np.concatenate([c.attributes[name] for c in chunks]) for name in chunks[0].attributes}
        return cls(origin=origin, xyz=xyz, attributes=attributes, **kwargs)


#: ASPRS LAS 1.4 standard classes (R15 table 17) with a display colour each.
ASPRS_CLASSES: dict[int, tuple[str, str]] = {
    0: ("Created, never classified", "#bdbdbd"),
    1: ("Unclassified", "#969696"),
    2: ("Ground", "#a6611a"),
    3: ("Low vegetation", "#b8e186"),
    4: ("Medium vegetation", "#4dac26"),
    5: ("High vegetation", "#1b7837"),
    6: ("Building", "#d7191c"),
    7: ("Low point (noise)", "#ff00ff"),
    9: ("Water", "#2c7bb6"),
    10: ("Rail", "#8c510a"),
    11: ("Road surface", "#525252"),
    13: ("Wire - guard (shield)", "#fdae61"),
    14: ("Wire - conductor (phase)", "#fee08b"),
    15: ("Transmission tower", "#762a83"),
    16: ("Wire-structure connector", "#c2a5cf"),
    17: ("Bridge deck", "#e08214"),
    18: ("High noise", "#ff69b4"),
}
