"""Level of detail: spatially uniform, deterministic, streaming voxel decimation to a point budget.

The rule
--------
A cloud is thinned by keeping **at most one point per occupied voxel** and the point kept
in a voxel is **the first one in stream (file) order**. That choice is unbiased within
the voxel (it prefers neither high, bright nor central points), needs no second look at
the points, and it is what makes the result independent of how the stream is cut into
chunks (below).

Voxels are exact integer cells: coordinates are put on a lattice of step ``quantum`` from
``origin`` (a LAS file's own lattice, its scale and offset, when the reader passes it),
and the voxel edge is a whole number ``k`` of quanta::

    voxel = floor(rint((xyz - origin) / quantum) / k)      (integer floor division)

so there is no floating-point doubt at voxel faces, nested voxel sizes nest exactly, and
the reader can compute voxels straight from a LAS file's integer coordinates.

How the voxel size is found
---------------------------
The stream cannot be held in memory, so the decimator keeps a *working set* of at most
``headroom * budget`` points (plus the chunk being added):

1. While the stream has not exceeded that cap, every point is kept as is, so a cloud
   within ``budget`` comes back whole.
2. Beyond the cap, points are voxel-thinned on nested levels ``k0 * 2**j``: when the kept
   points exceed the cap, the voxel edge is doubled and the kept points are re-thinned,
   octree style. Because the grids nest and the first point of a coarse voxel is the first
   point of its fine voxel, re-thinning the kept points gives exactly what thinning every
   point at the coarse level would have given. The level reached is the finest whose
   occupied-voxel count over the *whole* stream is within the cap: a property of the
   data, not of the chunking.
3. At the end the working set is fitted to ``budget`` on the finer ladder
   ``k * 2**(i/8)`` (steps of 9 %): a bracketing search finds the finest size whose
   thinning of the working set fits the budget (the point kept in a voxel is then the
   first of the working set in it: still one of the stream's points, in stream order,
   but these sizes do not nest with the octree's); a working set of raw points (a stream
   within the cap) may also go finer than the start size. Steps 2-3 are why the budget is
   used well: typically 70-100 % for terrain and city lidar, where octree levels alone
   would jump 4x in count. Less for a thin flat layer (whether it spans one or two voxel
   layers flips with the voxel size, so counts are not monotonic) and for volumetric data.

Determinism: the output is a function of the points in stream order, the budget, the
start voxel, ``origin`` and ``quantum`` only. When ``extent`` is given (the reader passes
the file header's), all of them follow from it, so the result is **identical for any
chunk size**. Without ``extent`` they are taken from the first chunk added and then
depend on it (documented dependence). The ``expected_points`` hint (skip the raw buffer
when the stream will certainly exceed the cap) changes nothing when the hint is right.

Cost: O(N). Voxel membership uses a dense table with one entry per 2D column of the
extent holding a 64-voxel vertical window as a bit mask; lookups follow the scan order of
lidar and stay in cache. Only voxels outside a column's window (tall facades, noise far
above or below) or outside the extent fall back to a hash set. No per-point Python loop on
the main path and no sorting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np

from . import voxel_kernel
from .cloud import PointChunk

#: Sentinel for "no voxel in this column yet" in the column table (far below any z).
_EMPTY = -(2**62)
#: Points per block inside the voxel set (keeps temporaries in the CPU cache).
_BLOCK = 1 << 16
#: Vertical window of a column, in voxels (one uint64 bit mask).
_WINDOW = 64
_HALF_WINDOW = _WINDOW // 2
_UWINDOW, _UMASK, _UONE = np.uint64(_WINDOW), np.uint64(_WINDOW - 1), np.uint64(1)
#: Positions 0.._BLOCK-1, shared by every block (read only).
_ORDER = np.arange(_BLOCK, dtype=np.int32)
_ORDER.flags.writeable = False
#: Vertical cell indices beyond this go to the hash set.
_Z_LIMIT = 2**40
#: Finer steps between two octree levels used by the final fit to the budget.
_FIT_STEPS_PER_OCTAVE = 8
#: Gathers of kept points pending at most (see VoxelDecimator.take_on).
_DEFERRED = 2
#: Largest column table of the fit probe, in columns per budget point (see _thin_into_set).
_PROBE_COLUMNS = 2
#: Largest voxel edge in quanta: coarsening stops there (only reachable when fewer than
#: 8 points are wanted and points lie on both sides of the origin, see VoxelDecimator).
_K_LIMIT = 1 << 40


def _column_limit(budget: int) -> int:
    # Keep the table to a few times the budget (about 160 bytes per budget point at worst).
    return max(8 * budget, 1 << 22)


@dataclass
class _Block:
    """Points ``start:stop`` of a call, prefiltered: the candidates' positions, columns and z."""

    start: int
    stop: int
    inside: bool  # every point of the block is inside the column table
    pos: np.ndarray
    col: np.ndarray
    z: np.ndarray


def _prefilter(ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, nx: int, ny: int) -> list[_Block]:
    """Split voxel coordinates into blocks and drop the points that cannot be first.

    Stateless (it depends on the table's shape only), so it can run ahead of the
    table (see :meth:`VoxelDecimator.prepare_raw`). Blocks of 64k points keep the dozen
    temporaries of a block in the CPU cache: about twice as fast as whole 1M-point
    chunks; blocks in order give the same result.
    """
    blocks = []
    n_all = ix.shape[0]
    for start in range(0, n_all, _BLOCK):
        stop = min(start + _BLOCK, n_all)
        bx, by, bz = ix[start:stop], iy[start:stop], iz[start:stop]
        n = stop - start
        inside = bool(
            bx.min() >= 0
            and bx.max() < nx
            and by.min() >= 0
            and by.max() < ny
            and bz.min() > -_Z_LIMIT
            and bz.max() < _Z_LIMIT
        )
        col = by * nx
        col += bx
        # A point in the same voxel as the point just before it is never a first one.
        # Lidar is recorded along scan lines, so this cheap test removes a large share.
        lead = np.empty(n, dtype=bool)
        lead[0] = True
        if inside:
            np.not_equal(col[1:], col[:-1], out=lead[1:])
        else:  # outside the table, col does not identify the column
            np.not_equal(bx[1:], bx[:-1], out=lead[1:])
            lead[1:] |= by[1:] != by[:-1]
        lead[1:] |= bz[1:] != bz[:-1]
        pos = np.flatnonzero(lead)
        blocks.append(_Block(start, stop, inside, pos, col[pos], bz[pos]))
    return blocks


class _VoxelSet:
    """The occupied voxels at one voxel size; finds the points that open a new voxel.

    Voxels are given by integer coordinates ``(ix, iy, iz)``. Voxels inside the column box
    ``[0, nx) x [0, ny)`` live in a column table: ``zlow`` (first voxel of the column's
    64-voxel window: the first voxel seen there minus 32) and ``mask`` (bit ``iz - zlow``
    set when that voxel is occupied). All others go to the ``spill`` set.
    """

    def __init__(self, columns: tuple[int, int]) -> None:
        self.nx, self.ny = int(columns[0]), int(columns[1])
        ncols = self.nx * self.ny
        self.zlow = np.full(ncols, _EMPTY, dtype=np.int64)
        self.mask = np.zeros(ncols, dtype=np.uint64)
        # Scratch for "earliest candidate per column"; only entries written first are read.
        self.scratch = np.empty(ncols, dtype=np.int32)
        self.spill: set[tuple[int, int, int]] = set()

    def first_new(
        self, ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, blocks: list[_Block] | None = None
    ) -> np.ndarray:
        """Boolean mask of the points that are the first of a voxel not seen before; marks those voxels.

        ``blocks`` is :func:`_prefilter` of the same cells for this table's columns, when
        it was computed ahead.
        """
        if voxel_kernel.AVAILABLE:
            keep, spilled = voxel_kernel.first_new(ix, iy, iz, self.nx, self.ny, self.zlow, self.mask)
            if spilled.size:
                self._spill_first_new(spilled, ix, iy, iz, keep)
            return keep
        keep = np.zeros(ix.shape[0], dtype=bool)
        for block in blocks if blocks is not None else _prefilter(ix, iy, iz, self.nx, self.ny):
            self._block(
                block,
                ix[block.start : block.stop],
                iy[block.start : block.stop],
                iz[block.start : block.stop],
                keep[block.start : block.stop],
            )
        return keep

    def first_new_raw(
        self, xi: np.ndarray, yi: np.ndarray, zi: np.ndarray, origin: np.ndarray, edges: np.ndarray
    ) -> np.ndarray:
        """:meth:`first_new` of a file's integer coordinates, voxels ``(raw - origin) // edges`` (compiled)."""
        if np.any(np.abs(origin) >= voxel_kernel.RAW_ORIGIN_LIMIT):
            # Outside the range where the kernel's division is exact (a header whose extent
            # lies absurdly far from its offsets): the same voxels by integer division.
            cells = [(np.asarray(r, dtype=np.int64) - int(o)) // int(e) for r, o, e in zip((xi, yi, zi), origin, edges)]
            return self.first_new(*cells)
        keep, spilled = voxel_kernel.raw_first_new(xi, yi, zi, origin, edges, self.nx, self.ny, self.zlow, self.mask)
        if spilled.size:
            cells = [
                (np.asarray(raw)[spilled].astype(np.int64) - int(o)) // int(e)
                for raw, o, e in zip((xi, yi, zi), origin, edges)
            ]
            new = np.zeros(spilled.size, dtype=bool)
            self._spill_first_new(np.arange(spilled.size), *cells, new)
            keep[spilled[new]] = True
        return keep

    def _block(self, block: _Block, ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, keep: np.ndarray) -> None:
        pos, col, z = block.pos, block.col, block.z
        spill: list[np.ndarray] = []
        if not block.inside:
            sx, sy = ix[pos], iy[pos]
            inbox = (sx >= 0) & (sx < self.nx) & (sy >= 0) & (sy < self.ny) & (z > -_Z_LIMIT) & (z < _Z_LIMIT)
            spill.append(pos[~inbox])
            pos, col, z = pos[inbox], col[inbox], z[inbox]

        # Classify against the occupied voxels: seen (dropped), candidate, or outside the
        # column's window (spill). Empty columns have zlow = _EMPTY, far below any z.
        zl = self.zlow[col]
        rel = (z - zl).view(np.uint64)
        inwin = rel < _UWINDOW  # one unsigned test: negative offsets wrap to huge values
        empty = zl == _EMPTY
        bit = np.right_shift(self.mask[col], rel & _UMASK) & _UONE
        candidate = empty | (inwin & (bit == 0))
        outside = ~(candidate | inwin)
        if outside.any():
            spill.append(pos[outside])
        sel = np.flatnonzero(candidate)
        pos, col, z = pos[sel], col[sel], z[sel]

        kept = self._rounds(pos, col, z, spill)
        if kept:
            keep[np.concatenate(kept)] = True
        if spill:
            spilled = np.concatenate(spill)
            if spilled.size:
                self._spill_first_new(np.sort(spilled), ix, iy, iz, keep)

    def _rounds(self, pos: np.ndarray, col: np.ndarray, z: np.ndarray, spill: list[np.ndarray]) -> list[np.ndarray]:
        """Open the voxels of the candidates (block positions ``pos``); returns the positions kept."""
        # Rounds: per column the earliest candidate wins and opens its voxel; candidates of
        # the same column in that voxel are dropped, those in other voxels go to the next
        # round. Rounds = the most new voxels one column gets in a block (small for lidar).
        scratch = self.scratch
        kept: list[np.ndarray] = []
        while pos.size:
            order = _ORDER[: pos.size] if pos.size <= _BLOCK else np.arange(pos.size, dtype=np.int32)
            # Written in reverse, the earliest candidate of each column is written last.
            scratch[col[::-1]] = order[::-1]
            first = scratch[col]
            # NumPy does not promise which of repeated indices is written last; check it.
            early = order < first
            while early.any():
                scratch[col[early][::-1]] = order[early][::-1]
                first = scratch[col]
                early = order < first
            win = np.flatnonzero(first == order)
            wcol, wz = col[win], z[win]
            zlw = self.zlow[wcol]
            zlw = np.where(zlw == _EMPTY, wz - _HALF_WINDOW, zlw)
            self.zlow[wcol] = zlw
            # One winner per column: no repeated index, so the |= below is well defined.
            self.mask[wcol] |= np.left_shift(np.uint64(1), (wz - zlw).view(np.uint64))
            kept.append(pos[win])
            other = np.flatnonzero(z[first] != z)
            if not other.size:
                break
            pos, col, z = pos[other], col[other], z[other]
            # Their voxels are still unseen (they differ from this round's winners), but a
            # column opened in this round may have put them outside its window.
            inwin = (z - self.zlow[col]).view(np.uint64) < _UWINDOW
            if not inwin.all():
                spill.append(pos[~inwin])
                pos, col, z = pos[inwin], col[inwin], z[inwin]
        return kept

    def _spill_first_new(
        self, idx: np.ndarray, ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, keep: np.ndarray
    ) -> None:
        # Rare path (voxels outside the column table): a Python set, in stream order.
        spill = self.spill
        new = []
        for i, key in zip(idx.tolist(), zip(ix[idx].tolist(), iy[idx].tolist(), iz[idx].tolist())):
            if key not in spill:
                spill.add(key)
                new.append(i)
        if new:
            keep[np.asarray(new, dtype=np.int64)] = True


def estimate_voxel_size(extent: tuple[float, ...] | np.ndarray, budget: int) -> float:
    """Voxel edge that spreads ``budget`` points evenly over the extent's area (2.5D lidar).

    Parameters
    ----------
    extent
        ``(xmin, ymin, zmin, xmax, ymax, zmax)`` or ``(xmin, ymin, xmax, ymax)``.
    budget
        Number of points wanted.

    Returns
    -------
    float
        ``sqrt(area / budget)``; for a degenerate (line-like) extent its length divided by
        the budget; 1.0 when the extent is a single point.
    """
    mins, maxs = _split_extent(extent)
    dx, dy, dz = (maxs - mins).tolist()
    area = dx * dy
    if area > 0:
        return math.sqrt(area / budget)
    length = max(dx, dy, dz)
    return length / budget if length > 0 else 1.0


def _split_extent(extent) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(extent, dtype=np.float64).ravel()
    if values.size == 4:
        mins = np.array([values[0], values[1], 0.0])
        maxs = np.array([values[2], values[3], 0.0])
    elif values.size == 6:
        mins, maxs = values[:3].copy(), values[3:].copy()
    else:
        raise ValueError(f"extent must be (xmin, ymin, xmax, ymax) or (xmin, ymin, zmin, xmax, ymax, zmax): {extent!r}")
    if not (np.all(np.isfinite(values)) and np.all(maxs >= mins)):
        raise ValueError(f"extent is not a valid box: {extent!r}")
    return mins, maxs


def concat_chunks(chunks: list[PointChunk]) -> PointChunk:
    """One chunk holding ``chunks`` in order (they must carry the same attributes)."""
    nonempty = [c for c in chunks if len(c)]
    if not nonempty:
        return chunks[0] if chunks else PointChunk(np.empty(0), np.empty(0), np.empty(0), {})
    if len(nonempty) == 1:
        return nonempty[0]
    names = list(nonempty[0].attributes)
    for chunk in nonempty[1:]:
        if list(chunk.attributes) != names:
            raise ValueError(f"chunks carry different attributes: {names} and {list(chunk.attributes)}")
    return PointChunk(
        np.concatenate([c.x for c in nonempty]),
        np.concatenate([c.y for c in nonempty]),
        np.concatenate([c.z for c in nonempty]),
        {name: np.concatenate([c.attributes[name] for c in nonempty]) for name in names},
    )


def _concat(pieces: list) -> PointChunk:
    """The working set's pieces as one, in order: :func:`concat_chunks`, or the pieces' own
    ``concat`` when a reader keeps its points in another form (see :meth:`VoxelDecimator.add`)."""
    if pieces and not isinstance(pieces[0], PointChunk):
        return type(pieces[0]).concat(pieces)
    return concat_chunks(pieces)


class _Lattice:
    """Where the voxels are: ``origin``, ``quantum`` per axis and the extent in quanta."""

    def __init__(
        self, mins: np.ndarray, maxs: np.ndarray, quantum: np.ndarray, lattice_offsets: np.ndarray | None
    ) -> None:
        self.quantum = quantum
        self.qmax = float(quantum.max())
        ratio = self.qmax / quantum
        self.ratio = np.rint(ratio).astype(np.int64)
        if np.any(np.abs(ratio - self.ratio) > 1e-6 * ratio):
            raise ValueError(f"the quanta of the axes must be whole multiples of each other: {quantum.tolist()}")
        if lattice_offsets is None:
            self.raw_origin = None
            self.origin = mins.astype(np.float64)
        else:
            # Snap the origin onto the file's lattice so that voxels can be computed from
            # the file's integer coordinates: X - raw_origin = rint((x - origin) / quantum).
            offsets = np.asarray(lattice_offsets, dtype=np.float64)
            self.raw_origin = np.floor((mins - offsets) / quantum).astype(np.int64)
            self.origin = offsets + self.raw_origin * quantum
        self.span = np.maximum(np.rint((maxs - self.origin) / quantum).astype(np.int64), 0)

    def edges(self, k: int) -> np.ndarray:
        """Voxel edge per axis, in quanta of that axis."""
        return k * self.ratio

    def columns(self, k: int) -> tuple[int, int]:
        edges = self.edges(k)
        return int(self.span[0] // edges[0]) + 1, int(self.span[1] // edges[1]) + 1

    def cells(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
        scratch = np.empty(x.shape[0], dtype=np.float64)
        out = []
        for values, origin, quantum, edge in zip((x, y, z), self.origin, self.quantum, self.edges(k)):
            # In place: a few passes over one scratch array instead of temporaries.
            np.subtract(values, origin, out=scratch)
            np.divide(scratch, quantum, out=scratch)
            np.rint(scratch, out=scratch)
            cell = scratch.astype(np.int64)
            cell //= edge
            out.append(cell)
        return tuple(out)

    def raw_cells(self, xi: np.ndarray, yi: np.ndarray, zi: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
        out = []
        for values, origin, edge in zip((xi, yi, zi), self.raw_origin, self.edges(k)):
            cell = np.subtract(values, origin, dtype=np.int64)
            cell //= edge
            out.append(cell)
        return tuple(out)


def voxel_cells(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    voxel_size: float,
    origin: np.ndarray,
    quantum: float | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer voxel coordinates of points, as :class:`VoxelDecimator` defines them.

    Parameters
    ----------
    x, y, z
        Real coordinates.
    voxel_size
        Voxel edge (a whole multiple of the largest quantum).
    origin
        Grid anchor (3,), e.g. :attr:`VoxelDecimator.origin`.
    quantum
        Lattice step, scalar or per axis (3,), e.g. :attr:`VoxelDecimator.quantum`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ix, iy, iz)`` int64: ``floor(rint((xyz - origin) / quantum) / edge)`` with
        ``edge = voxel_size / quantum`` quanta per axis.
    """
    quanta = np.broadcast_to(np.asarray(quantum, dtype=np.float64), (3,))
    out = []
    for values, anchor, step in zip((x, y, z), np.asarray(origin, dtype=np.float64), quanta):
        edge = round(voxel_size / step)
        out.append(np.rint((np.asarray(values) - anchor) / step).astype(np.int64) // edge)
    return out[0], out[1], out[2]


def default_quantum(voxel_size: float) -> float:
    """Lattice step for coordinates that have none: a power of ten 1000x finer than the voxel."""
    return 10.0 ** (math.floor(math.log10(voxel_size)) - 3)


@dataclass
class _Held:
    """The points one chunk added to the working set, and what the fit probe made of them."""

    points: PointChunk
    probe: np.ndarray | None = None  # which of them the probe keeps (None: not probed)
    survivors: PointChunk | None = None  # those points


def _fit_edge(base: int, step: int) -> int:
    """Voxel edge (quanta) of step ``step`` of the final fit's ladder ``base * 2**(step/8)``."""
    return max(1, round(base * 2.0 ** (step / _FIT_STEPS_PER_OCTAVE)))


@dataclass(frozen=True)
class PreparedCells:
    """Voxel coordinates of a chunk (and their prefiltered blocks) computed ahead for one voxel size."""

    k: int
    ix: np.ndarray
    iy: np.ndarray
    iz: np.ndarray
    blocks: list[_Block] | None  # None with the compiled kernel, which needs no prefilter
    raw: bool = False  # ix, iy, iz are a file's integer coordinates (compiled kernel)


class VoxelDecimator:
    """Streaming voxel decimation of a cloud to at most ``budget`` points.

    See the module docstring for the rule (first point per voxel, nested coarsening,
    final fit) and its guarantees.

    Parameters
    ----------
    budget
        Most points the result may have (>= 1).
    voxel_size
        Start (finest) voxel edge. Default: :func:`estimate_voxel_size` of ``extent``.
        Rounded to whole quanta, and doubled if needed until the column table of the
        extent fits its memory limit (``max(8 * budget, 4M)`` columns of 20 bytes).
    extent
        ``(xmin, ymin, zmin, xmax, ymax, zmax)`` (or 2D) of the stream: anchors the grid.
        Default: the extent of the first chunk added (then the result depends on it).
        Points outside it are handled correctly, only more slowly.
    quantum
        Lattice step of the coordinates, scalar or per axis (a LAS file's scales).
        Default: :func:`default_quantum` of the start voxel (1 mm for a 1 m voxel).
    lattice_offsets
        Offsets of that lattice (a LAS file's offsets): the origin is snapped onto it, so
        that :meth:`prepare_raw` can work on the file's integer coordinates.
    headroom
        Working set cap as a multiple of ``budget`` (>= 1): more headroom uses the budget
        better, at the cost of memory.
    expected_points
        Points the stream will bring, when known exactly (optimisation hint only).

    Notes
    -----
    Coordinates must be finite. Fewer than 8 points wanted from points on both sides of
    the origin (only when ``extent`` does not cover the data) cannot always be reached by
    voxels: the first points of the coarsest thinning are returned then. Memory: the
    working set (at most ``headroom * budget`` points plus the chunk being added) and the
    column table, about 20 bytes per column (about one column per budget point for the
    default voxel).
    """

    def __init__(
        self,
        budget: int,
        voxel_size: float | None = None,
        extent: tuple[float, ...] | np.ndarray | None = None,
        quantum: float | tuple[float, float, float] | np.ndarray | None = None,
        lattice_offsets: tuple[float, float, float] | np.ndarray | None = None,
        headroom: float = 2.0,
        expected_points: int | None = None,
    ) -> None:
        if int(budget) < 1:
            raise ValueError(f"budget must be at least 1 point: {budget}")
        if headroom < 1:
            raise ValueError(f"headroom must be at least 1: {headroom}")
        if voxel_size is not None and not (voxel_size > 0 and math.isfinite(voxel_size)):
            raise ValueError(f"voxel_size must be a positive number: {voxel_size}")
        if quantum is not None:
            quantum = np.broadcast_to(np.asarray(quantum, dtype=np.float64), (3,)).copy()
            if not np.all(quantum > 0):
                raise ValueError(f"quantum must be positive: {quantum.tolist()}")
        self.budget = int(budget)
        self.cap = max(self.budget, int(self.budget * headroom))
        self._requested_voxel = voxel_size
        self._requested_quantum = quantum
        self._lattice_offsets = lattice_offsets
        self._expected = expected_points
        self._pieces: list[_Held | Future] = []
        self._count = 0
        self._taker: Executor | None = None
        self._probe: _VoxelSet | None = None  # the fit's first step, asked during the stream (take_on)
        self._finish: Callable[[PointChunk], PointChunk] | None = None
        self._seen = 0
        self._lattice: _Lattice | None = None
        self._k0 = 0
        self._level = 0
        self._k = 0  # voxel edge (in largest quanta) of the working set; 0 while raw
        self._set: _VoxelSet | None = None
        self._result_voxel: float | None = None
        self._done = False
        if extent is not None:
            self._init_grid(*_split_extent(extent))

    # -- state -----------------------------------------------------------------------
    @property
    def voxel_size(self) -> float | None:
        """Voxel edge of the result (after :meth:`result`), or of the working set before.

        None while (or when) every point is kept, i.e. nothing was thinned.
        """
        if self._done:
            return self._result_voxel
        return self._k * self._lattice.qmax if self._k else None

    @property
    def origin(self) -> np.ndarray | None:
        """The grid anchor (see :func:`voxel_cells`); None before the grid is set up."""
        return None if self._lattice is None else self._lattice.origin.copy()

    @property
    def quantum(self) -> np.ndarray | None:
        """The lattice step per axis (see :func:`voxel_cells`); None before the grid is set up."""
        return None if self._lattice is None else self._lattice.quantum.copy()

    @property
    def accepts_raw(self) -> bool:
        """True when :meth:`prepare_raw` can be used (the origin is on the file's lattice)."""
        return self._lattice is not None and self._lattice.raw_origin is not None

    @property
    def points_seen(self) -> int:
        """Points added so far."""
        return self._seen

    def take_on(self, executor: Executor | None, finish: Callable[[PointChunk], PointChunk] | None = None) -> None:
        """Gather the kept points of each chunk (``chunk.take``) on ``executor``, and probe them.

        The voxel test of a chunk must wait for the previous one (the first point of a
        voxel wins), but gathering the points it kept need not: the reader does it on a
        second thread while the next chunk is tested. At most :data:`_DEFERRED` gathers
        are pending (memory stays bounded), and all are collected, in stream order, before
        the working set is used.

        The same thread asks the final fit's first question ahead: which kept points the
        first finer step of the fit ladder (:meth:`_fit`) keeps, and gathers those. It is
        the usual answer (a start voxel estimated from the budget leaves a working set a
        little over it), and then the fit has nothing left to do when the stream ends.
        ``finish`` is applied there to those points (a reader that keeps raw records
        builds their coordinates and attributes). The result is the same with or without
        any of this.
        """
        self._taker = executor
        self._finish = finish

    def _collected(self) -> list[_Held]:
        """The working set's pieces, waiting for any gather still running."""
        self._pieces = [p.result() if isinstance(p, Future) else p for p in self._pieces]
        return self._pieces

    def _points(self) -> list[PointChunk]:
        return [held.points for held in self._collected()]

    def _hold(self, chunk: PointChunk, index: np.ndarray, probe: _VoxelSet | None, edge: int) -> _Held:
        """The points of ``chunk`` at ``index``, and those of them the probe (at ``edge``) keeps."""
        points = chunk.take(index)
        if probe is None:
            return _Held(points)
        mask = self._first_new(probe, points, edge)
        survivors = points.take(np.flatnonzero(mask))
        return _Held(points, mask, survivors if self._finish is None else self._finish(survivors))

    def _init_grid(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        start = self._requested_voxel or estimate_voxel_size(np.concatenate([mins, maxs]), self.budget)
        quantum = self._requested_quantum
        if quantum is None:
            quantum = np.full(3, default_quantum(start))
        lattice = _Lattice(mins, maxs, quantum, self._lattice_offsets)
        k = max(1, round(start / lattice.qmax))
        # Memory guard: a voxel far too small for the extent would need a huge column table.
        limit = _column_limit(self.budget)
        while math.prod(lattice.columns(k)) > limit:
            k *= 2
        self._lattice, self._k0 = lattice, k
        if self._expected is not None and self._expected > self.cap:
            # The stream will leave the raw phase: thin from the first point on (same
            # result), so that prepare() can work ahead from the first chunk.
            self._k = k
            self._set = self._new_set(k)

    def _new_set(self, k: int) -> _VoxelSet:
        return _VoxelSet(self._lattice.columns(k))

    # -- streaming -------------------------------------------------------------------
    def prepare(self, chunk: PointChunk) -> PreparedCells | None:
        """Voxel coordinates of ``chunk`` at the current voxel, computed ahead (thread-safe).

        Returns None while the decimator still buffers raw points. :meth:`add`
        recomputes them if the voxel changed meanwhile.
        """
        k = self._k
        if not k or len(chunk) == 0:
            return None
        return self._prepared(k, self._lattice.cells(chunk.x, chunk.y, chunk.z, k))

    def prepare_raw(self, xi: np.ndarray, yi: np.ndarray, zi: np.ndarray) -> PreparedCells | None:
        """Like :meth:`prepare` from a LAS file's integer coordinates (needs :attr:`accepts_raw`)."""
        k = self._k
        if not k or xi.shape[0] == 0:
            return None
        if voxel_kernel.AVAILABLE:
            return PreparedCells(k, xi, yi, zi, None, raw=True)  # the kernel finds the voxels itself
        return self._prepared(k, self._lattice.raw_cells(xi, yi, zi, k))

    def _prepared(self, k: int, cells: tuple[np.ndarray, ...]) -> PreparedCells:
        if voxel_kernel.AVAILABLE:
            return PreparedCells(k, *cells, blocks=None)
        nx, ny = self._lattice.columns(k)
        return PreparedCells(k, *cells, blocks=_prefilter(*cells, nx, ny))

    def add(self, chunk: PointChunk, prepared: PreparedCells | None = None) -> None:
        """Add the next points of the stream.

        ``chunk`` needs ``x``, ``y``, ``z``, ``len()`` and ``take(index)``: the points
        kept are taken from it, so a caller can build attributes only for those.
        ``prepared`` are its voxel coordinates from :meth:`prepare` / :meth:`prepare_raw`.
        """
        if self._done:
            raise RuntimeError("result() was already called")
        n = len(chunk)
        if n == 0:
            return
        if self._lattice is None:
            self._init_grid(
                np.array([chunk.x.min(), chunk.y.min(), chunk.z.min()]),
                np.array([chunk.x.max(), chunk.y.max(), chunk.z.max()]),
            )
        self._seen += n
        if self._set is None:
            buffering = self._expected is None or self._expected <= self.cap
            if buffering and self._seen <= self.cap:
                self._append(chunk if isinstance(chunk, PointChunk) else chunk.take(slice(None)))
                return
            # Leaving the raw phase: thin what was buffered, then this chunk, at the start size.
            self._k = self._k0
            self._set = self._new_set(self._k)
            if self._pieces:
                buffered = _concat(self._points())
                self._pieces, self._count = [], 0
                self._thin_into_set(buffered)
        self._thin_into_set(chunk, prepared)
        while self._count > self.cap and self._k < _K_LIMIT:
            self._coarsen()

    def _append(self, chunk: PointChunk) -> None:
        if len(chunk):
            self._pieces.append(_Held(chunk))
            self._count += len(chunk)

    def _thin_into_set(self, chunk: PointChunk, prepared: PreparedCells | None = None) -> None:
        if prepared is not None and prepared.k == self._k and prepared.raw:
            lattice = self._lattice
            keep = self._set.first_new_raw(
                prepared.ix, prepared.iy, prepared.iz, lattice.raw_origin, lattice.edges(self._k)
            )
        elif prepared is not None and prepared.k == self._k:
            keep = self._set.first_new(prepared.ix, prepared.iy, prepared.iz, prepared.blocks)
        else:
            keep = self._first_new(self._set, chunk, self._k)
        index = np.flatnonzero(keep)
        if not index.size:
            return
        if self._taker is None:
            self._append(chunk.take(index))
            return
        if not self._pieces:  # a new level: the probe starts with it
            columns = self._lattice.columns(_fit_edge(self._k, 1))
            # Its table costs 16 bytes a column: only where columns are about as many as
            # points (a voxel estimated from the budget), not for a fine voxel over a
            # sparse extent, where the table would dwarf the points.
            self._probe = _VoxelSet(columns) if math.prod(columns) <= _PROBE_COLUMNS * self.budget else None
        if self._count + index.size <= self.cap:
            # No coarsening follows (the count stays within the cap): gather on the side.
            pending = [k for k, p in enumerate(self._pieces) if isinstance(p, Future)]
            if len(pending) >= _DEFERRED:
                self._pieces[pending[0]] = self._pieces[pending[0]].result()
            self._pieces.append(self._taker.submit(self._hold, chunk, index, self._probe, _fit_edge(self._k, 1)))
        else:  # a coarsening follows, which drops the probe: no probing, no race with the taker
            self._collected()
            self._pieces.append(_Held(chunk.take(index)))
        self._count += index.size

    def _first_new(self, voxels: _VoxelSet, chunk: PointChunk, k: int) -> np.ndarray:
        """:meth:`_VoxelSet.first_new` of a chunk's points at voxel edge ``k``: from the file's
        integer coordinates when the chunk has them (``raw_xyz()``) and the grid is on the
        file's lattice, else from the real coordinates. Both give the same voxels."""
        lattice = self._lattice
        if self.accepts_raw and hasattr(chunk, "raw_xyz"):
            raw = chunk.raw_xyz()
            if voxel_kernel.AVAILABLE:
                return voxels.first_new_raw(*raw, lattice.raw_origin, lattice.edges(k))
            return voxels.first_new(*lattice.raw_cells(*raw, k))
        return voxels.first_new(*lattice.cells(chunk.x, chunk.y, chunk.z, k))

    def _coarsen(self) -> None:
        # Next octree level: the grids nest, so re-thinning the kept points (in stream
        # order) equals thinning the whole stream at the coarser size.
        self._level += 1
        kept = _concat(self._points())
        self._pieces, self._count, self._probe = [], 0, None
        self._k = self._k0 << self._level
        self._set = None  # free the old table first
        self._set = self._new_set(self._k)
        self._thin_into_set(kept)

    # -- result ----------------------------------------------------------------------
    def result(self) -> PointChunk:
        """The decimated points (at most ``budget``), in stream order; ends the stream."""
        return _concat(self.result_parts())

    def result_parts(self) -> list[PointChunk]:
        """:meth:`result` as the parts the points were gathered in (in stream order), for a
        caller that builds its own arrays from them instead of joining them first."""
        if self._done:
            raise RuntimeError("result() was already called")
        self._done = True
        held, self._pieces = self._collected(), []
        self._set = self._probe = None  # free the column tables before the fit builds its own
        pieces = [h.points for h in held]
        if self._count <= self.budget:
            if self._k:
                self._result_voxel = self._k * self._lattice.qmax
            return pieces
        if not self._k:  # a raw working set (never thinned)
            return self._fit(pieces, self._k0, raw=True)
        if held and all(h.probe is not None for h in held):
            # Asked during the stream: the first step's answer, and the points it keeps.
            if sum(int(h.probe.sum()) for h in held) <= self.budget:
                self._result_voxel = _fit_edge(self._k, 1) * self._lattice.qmax
                return [h.survivors for h in held]
            return self._fit(pieces, self._k, raw=False, probed=[h.probe for h in held])
        return self._fit(pieces, self._k, raw=False)

    def _fit(
        self, pieces: list[PointChunk], base: int, raw: bool, probed: list[np.ndarray] | None = None
    ) -> list[PointChunk]:
        """Thin the working set at the finest ``base * 2**(i/8)`` quanta whose result fits the budget.

        ``i >= 1`` for a thinned working set (``i = 0`` is the set itself); any ``i`` down
        to one quantum (and the column table's limit) for a raw one. A bracketing search
        (exponential steps, then bisection) takes a handful of O(N) thinning passes.
        Occupancy is not strictly monotonic on non-nested grids, so this is a local search:
        deterministic, and its answer always fits.
        """
        lattice = self._lattice
        tried: dict[int, list[np.ndarray]] = {} if probed is None else {1: probed}

        def edge(step: int) -> int:
            return _fit_edge(base, step)

        def count(step: int) -> int:
            if step not in tried:
                k = edge(step)
                voxels = _VoxelSet(lattice.columns(k))
                # Piece by piece, in stream order: no copy of the whole working set.
                tried[step] = [self._first_new(voxels, p, k) for p in pieces]
            return sum(int(mask.sum()) for mask in tried[step])

        def steps_to_budget(step: int) -> int:
            # Occupancy ~ size**-2 for 2.5D data: the steps from this count to the budget.
            return max(1, math.ceil(_FIT_STEPS_PER_OCTAVE / 2 * abs(math.log2(count(step) / self.budget))))

        if raw:
            lowest = 0
            limit = _column_limit(self.budget)
            while edge(lowest - 1) < edge(lowest) and math.prod(lattice.columns(edge(lowest - 1))) <= limit:
                lowest -= 1
        else:
            lowest = 1
        answer = _search_ladder(lambda step: count(step) <= self.budget, lowest, steps_to_budget, edge)
        if answer is None:
            # Points on both sides of the origin never merge below 8 voxels: keep the first
            # points of the coarsest thinning tried (deterministic, within the budget).
            answer = max(tried)
            kept = _concat([p.take(np.flatnonzero(m)) for p, m in zip(pieces, tried[answer])])
            self._result_voxel = edge(answer) * lattice.qmax
            return [kept.take(np.arange(min(len(kept), self.budget)))]
        self._result_voxel = edge(answer) * lattice.qmax
        return [p.take(np.flatnonzero(m)) for p, m in zip(pieces, tried[answer])]


def _search_ladder(
    fits: Callable[[int], bool], lowest: int, jump: Callable[[int], int], edge: Callable[[int], int]
) -> int | None:
    """Finest step >= ``lowest`` that fits, by a local bracketing search from ``max(lowest, 0)``.

    Exponential steps (first ``jump(step)`` long) find a bracket ``lo`` (does not fit) /
    ``hi`` (fits), bisection closes it. None when even ``_K_LIMIT`` quanta do not fit.
    """
    start = max(lowest, 0)
    lo: int | None = None  # a step known not to fit
    if fits(start):
        hi, delta = start, jump(start)
        while lo is None and hi > lowest:
            step = max(lowest, hi - delta)
            if fits(step):
                hi, delta = step, 2 * delta
            else:
                lo = step
    else:
        lo, delta = start, jump(start)
        while not fits(lo + delta):
            lo, delta = lo + delta, 2 * delta
            if edge(lo) >= _K_LIMIT:
                return None
        hi = lo + delta
    while lo is not None and hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def decimate(
    chunk: PointChunk,
    budget: int,
    voxel_size: float | None = None,
    quantum: float | tuple[float, float, float] | None = None,
) -> PointChunk:
    """Decimate in-memory points to at most ``budget`` with :class:`VoxelDecimator`.

    Parameters
    ----------
    chunk
        The points (real coordinates).
    budget
        Most points to keep.
    voxel_size
        Start (finest) voxel edge; default from the points' extent and the budget.
    quantum
        Lattice step of the coordinates; default 1000x finer than the start voxel.

    Returns
    -------
    PointChunk
        At most ``budget`` points in their original order; all of them when they fit.
    """
    if len(chunk) <= budget:
        return chunk
    extent = (chunk.x.min(), chunk.y.min(), chunk.z.min(), chunk.x.max(), chunk.y.max(), chunk.z.max())
    decimator = VoxelDecimator(
        budget, voxel_size=voxel_size, extent=extent, quantum=quantum, expected_points=len(chunk)
    )
    decimator.add(chunk)
    return decimator.result()
