"""Line of sight over a DSM: segments against analytic walls, the viewshed against a closed-form
shadow and against the segment test (a second method)."""

from __future__ import annotations

import numpy as np
import pytest

from citytwin.common.errors import InputError
from citytwin.processing.navcomm import visibility
from citytwin.processing.navcomm.surface import Surface
from citytwin.processing.navcomm.visibility import segment_clear, segment_test, viewshed, viewshed_agreement

WALL_COLUMN = 50
WALL_HEIGHT = 10.0


def flat(rows: int = 100, cols: int = 100, cell: float = 1.0, ground: float = 0.0) -> Surface:
    """Flat ground, top-left corner (0, rows * cell): cell (r, c) spans x in [c, c+1) cell units."""
    return Surface(np.full((rows, cols), ground), 0.0, rows * cell, cell, cell)


def walled(rows: int = 100, cols: int = 100) -> Surface:
    surface = flat(rows, cols)
    surface.z[:, WALL_COLUMN] = WALL_HEIGHT  # a wall filling x in [50, 51) from top to bottom
    return surface


def test_kernels_are_compiled():
    assert visibility.AVAILABLE, "numba is missing: it is part of the test set-up (requirements.txt)"


def test_a_wall_blocks_a_low_segment_and_not_a_high_one():
    surface = walled()
    y = 40.5
    low = segment_clear(surface, np.array([[20.5, y, 2.0]]), np.array([[80.5, y, 2.0]]))
    high = segment_clear(surface, np.array([[20.5, y, 30.0]]), np.array([[80.5, y, 30.0]]))
    beside = segment_clear(surface, np.array([[20.5, y, 2.0]]), np.array([[45.5, 10.5, 2.0]]))  # never reaches x = 50
    assert low.tolist() == [False] and high.tolist() == [True] and beside.tolist() == [True]


@pytest.mark.parametrize(("end_z", "clear"), [(19.0, False), (20.5, True)])
def test_a_rising_segment_clears_the_wall_where_the_closed_form_says(end_z, clear):
    # From (10.5, 0.5 m) to (90.5, end_z): the line is lowest over the wall at its near
    # face x = 50, at 0.5 + (end_z - 0.5) * 39.5 / 80; it clears the 10 m wall iff
    # end_z > 0.5 + 9.5 * 80 / 39.5 = 19.74 m.
    surface = walled()
    threshold = 0.5 + 9.5 * 80 / 39.5
    assert threshold == pytest.approx(19.7405, abs=1e-4)
    result = segment_clear(surface, np.array([10.5, 60.5, 0.5]), np.array([[90.5, 60.5, end_z]]))
    assert result.tolist() == [clear]


def test_a_hole_in_the_wall_does_not_block_and_is_counted():
    surface = walled()
    row = 100 - 41  # the row holding y = 40.5 (top edge at y = 100)
    surface.z[row, WALL_COLUMN] = np.nan
    result = segment_test(surface, np.array([[10.5, 40.5, 2.0]]), np.array([[90.5, 40.5, 2.0]]))
    # 80 m at 0.5 m steps: samples at x = 10.5 + 0.5 k, two of them (x = 50.0, 50.5) in the hole.
    assert result.clear.tolist() == [True] and result.gaps.tolist() == [2]
    other_row = segment_test(surface, np.array([[10.5, 30.5, 2.0]]), np.array([[90.5, 30.5, 2.0]]))
    assert other_row.clear.tolist() == [False]


def test_start_and_end_cells_never_block():
    surface = flat()
    surface.z[50, 20] = 40.0  # the antenna's own roof, higher than the antenna
    surface.z[50, 80] = 40.0  # the receiver's own cell
    start = np.array([20.5, 49.5, 25.0])  # row 50 holds y in [49, 50)
    assert surface.rows_cols(np.array([20.5]), np.array([49.5]))[0].tolist() == [50]
    assert segment_clear(surface, start, np.array([[80.5, 49.5, 1.5]])).tolist() == [True]
    surface.z[50, 21] = 40.0  # the next cell is no longer the antenna's own
    assert segment_clear(surface, start, np.array([[80.5, 49.5, 1.5]])).tolist() == [False]


def test_outside_the_grid_does_not_block_and_bad_input_is_refused():
    surface = walled()
    outside = segment_clear(surface, np.array([-50.0, 40.5, 2.0]), np.array([[30.5, 40.5, 2.0], [30.5, 140.0, 2.0]]))
    assert outside.tolist() == [True, True]
    ignore = np.zeros(surface.shape, dtype=bool)
    ignore[:, WALL_COLUMN] = True
    through = np.array([[80.5, 40.5, 2.0]])
    assert segment_clear(surface, np.array([20.5, 40.5, 2.0]), through, ignore=ignore).tolist() == [True]
    assert segment_test(surface, np.array([np.nan, 40.5, 2.0]), through).clear.tolist() == [False]
    with pytest.raises(InputError, match="ignore mask"):
        segment_clear(surface, np.array([20.5, 40.5, 2.0]), through, ignore=np.zeros((3, 3), dtype=bool))
    with pytest.raises(InputError, match="sampling step"):
        segment_clear(surface, np.array([20.5, 40.5, 2.0]), through, step_cells=1.0)


def test_viewshed_shadow_of_a_wall_follows_the_closed_form():
    # Observer at x0 = 20.5, height h; a wall of height H filling x in [60, 61); targets at
    # 1.5 m. A descending ray is lowest over the wall at its far face x = 61, so a target at
    # x sees the observer iff (x - x0) >= (61 - x0) (h - 1.5) / (h - H): the shadow ends on
    # the vertical line x_b, whatever the target's y.
    h, wall_h, x0 = 30.0, 20.0, 20.5
    surface = flat(200, 200)
    surface.z[:, 60] = wall_h
    target = np.full(surface.shape, 1.5)
    visible = viewshed(surface, (x0, 100.5, h), target, max_distance=1000.0)
    x_b = x0 + (61 - x0) * (h - 1.5) / (h - wall_h)
    assert x_b == pytest.approx(135.925)
    xs, _ = surface.cell_centres()
    # Both methods place the wall somewhere in its cell (the sweep at the cell's centre):
    # half a cell at the wall is (h - 1.5) / (h - H) = 2.85 times that at the target, plus
    # half a target cell: a margin of 2 cells either side of the line.
    margin = 0.5 * (h - 1.5) / (h - wall_h) + 0.5
    assert margin < 2.0
    behind = (xs > 61) & (xs < x_b - 2.0)
    beyond = xs > x_b + 2.0
    in_front = xs < 60
    assert not visible[:, behind].any()
    assert visible[:, beyond].all()
    assert visible[:, in_front].all()
    # The segment test, the second method, draws the same line.
    ys = np.full(xs.size, 30.5)
    ends = np.column_stack([xs, ys, np.full(xs.size, 1.5)])
    by_segment = segment_clear(surface, np.array([x0, 100.5, h]), ends)
    assert not by_segment[behind].any() and by_segment[beyond].all() and by_segment[in_front].all()


def test_viewshed_range_own_cell_no_data_and_ignore():
    surface = walled()
    target = np.full(surface.shape, 1.5)
    target[10, 10] = np.nan
    observer = (20.5, 40.5, 5.0)
    visible = viewshed(surface, observer, target, max_distance=25.0)
    xs, ys = surface.cell_centres()
    distance = np.hypot(xs[None, :] - 20.5, ys[:, None] - 40.5)
    assert not visible[distance > 25.0 + 1.0].any()  # out of range
    assert visible[(distance < 24.0) & (xs[None, :] < 50)].all()  # open ground in range
    assert visible[59, 20]  # the observer's own cell
    assert not viewshed(surface, observer, target, 1000.0)[10, 10]  # no target
    holed = walled()
    holed.z[:, WALL_COLUMN] = np.nan  # a wall of no-data blocks nothing
    assert viewshed(holed, observer, target, 1000.0)[np.isfinite(target)].all()
    ignore = np.zeros(surface.shape, dtype=bool)
    ignore[:, WALL_COLUMN] = True
    assert viewshed(surface, observer, target, 1000.0, ignore=ignore)[np.isfinite(target)].all()
    assert not viewshed(surface, observer, target, 1000.0)[:, 60:].any()  # behind the wall, 5 m antenna
    corner = viewshed(surface, (0.5, 99.5, 5.0), np.full(surface.shape, 1.5), 30.0)  # centre of a corner cell
    assert corner[:20, :20].all() and not corner[:, 31:].any() and not corner[31:, :].any()
    with pytest.raises(InputError, match="target_z"):
        viewshed(surface, observer, np.zeros((3, 3)), 100.0)


def synthetic_city(size: int, seed: int) -> Surface:
    """Boxes of 5-60 m on flat ground, 1 m cells, a few no-data holes."""
    rng = np.random.default_rng(seed)
    z = np.zeros((size, size))
    for _ in range(size * size // 2500):
        r, c = rng.integers(0, size, 2)
        w, length = rng.integers(10, 50, 2)
        z[r : r + w, c : c + length] = np.maximum(z[r : r + w, c : c + length], rng.uniform(5.0, 60.0))
    z[rng.random(z.shape) < 0.02] = np.nan
    return Surface(z, 0.0, float(size), 1.0, 1.0)


@pytest.mark.parametrize(
    "observer", [(200.3, 180.7, 70.0), (40.5, 350.2, 25.0), (-30.0, 120.0, 40.0), (300.0, 300.0, 8.0)]
)
def test_viewshed_agrees_with_the_segment_test(observer):
    surface = synthetic_city(400, seed=3)
    target = np.where(np.nan_to_num(surface.z) > 0.5, np.nan, 1.5)  # street-level receivers
    visible = viewshed(surface, observer, target, 600.0)
    agreement = viewshed_agreement(surface, observer, target, visible, 600.0, n_samples=6000, seed=1)
    print(f"observer {observer}: {agreement}")
    assert agreement.n == 6000
    # Measured: 99.7-100 % (the sweep's ray passes up to half a cell beside a cell's centre
    # and reads a column's second cell at the column's distance).
    assert agreement.share >= 0.99
    assert 0.0 < visible[np.isfinite(target)].mean() < 1.0  # a real mix of visible and hidden cells
