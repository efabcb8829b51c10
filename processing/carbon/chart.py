"""The ledger by sector as a chart (matplotlib, no display needed): PNG for reports and the dock."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd

from ...common.fonts import font_families
from .ledger import OUTSIDE, SECTORS, TOTAL

#: Sector colours (colour-blind safe, Okabe-Ito); uptake drawn below zero.
COLOURS = {
    "buildings_electricity": "#E69F00",
    "buildings_heating": "#D55E00",
    "traffic": "#0072B2",
    "vegetation_sink": "#009E73",
}


def draw_ledger(figure, table: pd.DataFrame, title: str, labels: dict[str, str] | None = None) -> None:
    """Stacked bars per district: emissions above zero, uptake below, the net as a marker."""
    labels = {**{k: v[2] for k, v in SECTORS.items()}, **(labels or {})}
    rows = table[~table["district"].isin([TOTAL, OUTSIDE])]
    names = rows["district"].astype(str).tolist()
    x = np.arange(len(names))
    ax = figure.add_subplot(111)
    base = np.zeros(len(names))
    for sector, (column, sign, _) in SECTORS.items():
        if column not in rows.columns:
            continue
        values = sign * rows[column].to_numpy(dtype=float)
        bottom = base if sign > 0 else np.zeros(len(names))
        ax.bar(x, values, 0.6, bottom=bottom, color=COLOURS[sector], label=labels[sector])
        if sign > 0:
            base = base + values
    if "net_t" in rows.columns:
        ax.plot(x, rows["net_t"].to_numpy(dtype=float), "k_", markersize=28, mew=2.5, label=labels.get("net", "Net"))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, names)
    ax.set_ylabel(labels.get("unit", "tCO2/yr"))
    ax.set_title(title)
    ax.grid(axis="y", color="0.9")
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="best")
    figure.tight_layout()


def write_ledger_chart(
    table: pd.DataFrame, path: str | Path, title: str, labels: dict[str, str] | None = None, dpi: int = 150
) -> Path:
    """Write the chart as PNG, atomically."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from ...twin.terrain import temp_path_beside

    target = Path(path)
    temp = temp_path_beside(target)
    try:
        with rc_context({"font.family": font_families(), "font.size": 9}):
            figure = Figure(figsize=(8, 4.8))
            draw_ledger(figure, table, title, labels)
            figure.savefig(temp, dpi=dpi, format="png")
        temp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target
