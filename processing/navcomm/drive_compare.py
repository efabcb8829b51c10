"""Predicted against measured RSRP along a drive test, and per-site calibration.

The drive test names its serving cell (ECI "Cell ID" and PCI); :func:`match_serving_cells`
finds that cell in the sites table — by cell id, else by PCI (the candidate with the
strongest prediction at the point, since PCIs repeat across a network), else the
predicted strongest cell — so errors can be grouped by the site that really served.

:func:`compare_drive_test` reports bias (mean predicted - measured), RMSE, the standard
deviation of the error and Pearson's correlation, overall and per site.

:func:`calibrate_site_offsets` gives each site with enough samples the offset
mean(measured - predicted) (a per-site least-squares constant, the usual first step of
propagation-model tuning) and reports RMSE before and after. Since the offsets are fitted
on the same samples, the in-sample RMSE after is optimistic; the calibration is therefore
also fitted on one half of the drive test and scored on the other. The halves are
alternate blocks of consecutive samples, not a random split: shadow fading is correlated
over tens of metres (38.901 Table 7.5-6: 37 m UMa LOS, 50 m NLOS), so neighbouring
samples of a 1 Hz log would otherwise sit on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...common.errors import InputError

if TYPE_CHECKING:
    from .cell_sites import CellSites
    from .coverage import PointPrediction

#: Fewest samples for a site to get its own calibration offset.
MIN_CALIBRATION_SAMPLES = 20
#: Consecutive samples per block of the held-out split (about 0.5 km at 30 km/h, 1 Hz).
HOLDOUT_BLOCK = 60


@dataclass
class DriveTestComparison:
    """Prediction errors (predicted - measured, dB).

    Attributes
    ----------
    n
        Pairs compared (both values finite).
    excluded
        Pairs left out (a value missing).
    bias_db, rmse_db, std_db, correlation
        Mean error, root mean square error, standard deviation of the error, Pearson's r.
    per_site
        The same per group: columns ``site``, ``n``, ``bias_db``, ``rmse_db``, ``std_db``,
        ``correlation`` (NaN with fewer than 3 pairs).
    """

    n: int
    excluded: int
    bias_db: float
    rmse_db: float
    std_db: float
    correlation: float
    per_site: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        return (
            f"n={self.n}: bias {self.bias_db:+.1f} dB, RMSE {self.rmse_db:.1f} dB, "
            f"std {self.std_db:.1f} dB, r {self.correlation:.2f}"
        )


def _pairs(predicted, measured) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    measured = np.asarray(measured, dtype=np.float64).ravel()
    if predicted.shape != measured.shape:
        raise InputError(f"{predicted.size} predictions but {measured.size} measurements", field="measured")
    return predicted, measured, np.isfinite(predicted) & np.isfinite(measured)


def _stats(error: np.ndarray, predicted: np.ndarray, measured: np.ndarray) -> tuple[float, float, float, float]:
    if error.size == 0:
        return (np.nan,) * 4
    varies = error.size >= 3 and np.ptp(predicted) > 0 and np.ptp(measured) > 0
    r = float(np.corrcoef(predicted, measured)[0, 1]) if varies else np.nan
    return float(error.mean()), float(np.sqrt(np.mean(error**2))), float(error.std()), r


def compare_drive_test(predicted, measured, group=None) -> DriveTestComparison:
    """Bias, RMSE, error spread and correlation of predicted against measured RSRP.

    Parameters
    ----------
    predicted, measured
        ``(N,)`` dBm; pairs with a NaN on either side are left out (and counted).
    group
        Optional ``(N,)`` labels (the serving site of each sample, see
        :func:`match_serving_cells`); None-labelled samples count only overall.

    Returns
    -------
    DriveTestComparison
    """
    predicted, measured, ok = _pairs(predicted, measured)
    error = predicted[ok] - measured[ok]
    bias, rmse, std, r = _stats(error, predicted[ok], measured[ok])
    rows = []
    if group is not None:
        labels = pd.Series(np.asarray(group, dtype=object).ravel())
        if labels.size != predicted.size:
            raise InputError(f"{labels.size} group labels for {predicted.size} samples", field="group")
        for label in pd.unique(labels[ok & labels.notna().to_numpy()]):
            member = ok & (labels == label).to_numpy()
            e = predicted[member] - measured[member]
            b, rm, sd, rr = _stats(e, predicted[member], measured[member])
            rows.append(
                {"site": label, "n": int(member.sum()), "bias_db": b, "rmse_db": rm, "std_db": sd, "correlation": rr}
            )
    per_site = pd.DataFrame(rows, columns=["site", "n", "bias_db", "rmse_db", "std_db", "correlation"])
    return DriveTestComparison(int(ok.sum()), int((~ok).sum()), bias, rmse, std, r, per_site)


# -- serving cells ------------------------------------------------------------------------------------------------
@dataclass
class ServingMatch:
    """The serving cell of each drive-test sample in the sites table.

    Attributes
    ----------
    cell
        ``(N,)`` int64 row of ``sites.table``, -1 when unknown.
    site
        ``(N,)`` object site id, None when unknown.
    how
        ``(N,)`` object: "cell_id", "pci", "predicted" (the predicted strongest cell) or "none".
    """

    cell: np.ndarray
    site: np.ndarray
    how: np.ndarray

    def counts(self) -> dict[str, int]:
        """Samples per way of matching."""
        values, counts = np.unique(self.how.astype(str), return_counts=True)
        return dict(zip(values.tolist(), counts.tolist()))


def match_serving_cells(
    sites: CellSites,
    prediction: PointPrediction | None = None,
    cell_id=None,
    pci=None,
) -> ServingMatch:
    """Find each sample's serving cell: by cell id, else PCI, else the prediction.

    Parameters
    ----------
    sites
        The cells predicted.
    prediction
        Predictions at the same samples (for PCI ambiguity and the fallback), optional.
    cell_id, pci
        ``(N,)`` the drive test's serving ECI/NCI and PCI (NaN / <NA> where missing).

    Returns
    -------
    ServingMatch
    """
    n = _sample_count(prediction, cell_id, pci)
    cell = np.full(n, -1, dtype=np.int64)
    how = np.full(n, "none", dtype=object)
    table = sites.table
    if cell_id is not None:
        ids = pd.to_numeric(pd.Series(np.asarray(cell_id, dtype=object).ravel()), errors="coerce").to_numpy()
        lookup = pd.Series(np.arange(len(table)), index=table["cell_id"].astype("float64").to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        found = lookup.reindex(ids).to_numpy()
        hit = np.isfinite(found)
        cell[hit], how[hit] = found[hit].astype(np.int64), "cell_id"
    if pci is not None:
        pcis = pd.to_numeric(pd.Series(np.asarray(pci, dtype=object).ravel()), errors="coerce")
        _match_by_pci(table, prediction, pcis, cell, how)
    if prediction is not None:
        fallback = (cell < 0) & (prediction.server >= 0)
        cell[fallback], how[fallback] = prediction.server[fallback], "predicted"
    site_ids = table["site_id"].to_numpy(dtype=object)
    site = np.where(cell >= 0, site_ids[np.maximum(cell, 0)], None)
    return ServingMatch(cell, site, how)


def _sample_count(prediction, cell_id, pci) -> int:
    sizes = {np.asarray(v, dtype=object).size for v in (cell_id, pci) if v is not None}
    if prediction is not None:
        sizes.add(prediction.rsrp.size)
    if len(sizes) != 1:
        raise InputError("give a prediction, cell ids or PCIs, all for the same samples", field="cell_id")
    return sizes.pop()


def _match_by_pci(table: pd.DataFrame, prediction, pci: pd.Series, cell: np.ndarray, how: np.ndarray) -> None:
    table_pci = table["pci"].astype("float64").to_numpy()
    for value in pd.unique(pci[(cell < 0) & pci.notna().to_numpy()]):
        candidates = np.flatnonzero(table_pci == value)
        samples = np.flatnonzero((cell < 0) & (pci == value).to_numpy())
        if candidates.size == 1:
            cell[samples], how[samples] = candidates[0], "pci"
        elif candidates.size > 1 and prediction is not None:
            power = prediction.by_cell[np.ix_(samples, candidates)].astype(np.float64)
            known = np.isfinite(power).any(axis=1)
            best = candidates[np.argmax(np.where(np.isfinite(power), power, -np.inf), axis=1)]
            cell[samples[known]], how[samples[known]] = best[known], "pci"


# -- calibration --------------------------------------------------------------------------------------------------
@dataclass
class Calibration:
    """Per-site offsets (dB added to the prediction) and what they do.

    Attributes
    ----------
    offsets_db
        Site -> offset, for sites with at least ``min_samples`` pairs (fitted on all pairs).
    table
        Per site: ``site``, ``n``, ``offset_db`` (NaN: too few samples),
        ``rmse_before_db``, ``rmse_after_db``.
    rmse_before_db, rmse_after_db
        Over all pairs, before and after the offsets (in-sample: optimistic).
    holdout_rmse_before_db, holdout_rmse_after_db
        On the held-out half, before and after offsets fitted on the other half.
    n_fit, n_holdout
        Pairs in the two halves.
    """

    offsets_db: dict
    table: pd.DataFrame
    rmse_before_db: float
    rmse_after_db: float
    holdout_rmse_before_db: float
    holdout_rmse_after_db: float
    n_fit: int
    n_holdout: int
    min_samples: int = MIN_CALIBRATION_SAMPLES
    block: int = HOLDOUT_BLOCK

    def apply(self, predicted, group) -> np.ndarray:
        """``predicted`` plus the offset of each sample's site (0 for sites without one)."""
        return _apply(np.asarray(predicted, dtype=np.float64), np.asarray(group, dtype=object), self.offsets_db)


def _apply(predicted: np.ndarray, group: np.ndarray, offsets: Mapping) -> np.ndarray:
    shift = pd.Series(group).map(lambda g: offsets.get(g, 0.0) if g is not None else 0.0).to_numpy(dtype=np.float64)
    return predicted + shift


def _fit_offsets(error: np.ndarray, group: np.ndarray, min_samples: int) -> dict:
    """Site -> mean(measured - predicted), for sites with at least ``min_samples`` pairs."""
    frame = pd.DataFrame({"g": group, "e": error}).dropna(subset=["g"])
    stats = frame.groupby("g", sort=False)["e"].agg(["mean", "size"])
    return {g: float(-row["mean"]) for g, row in stats.iterrows() if row["size"] >= min_samples}


def _rmse(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2))) if values.size else float("nan")


def calibrate_site_offsets(
    predicted,
    measured,
    group,
    min_samples: int = MIN_CALIBRATION_SAMPLES,
    block: int = HOLDOUT_BLOCK,
) -> Calibration:
    """Per-site offsets mean(measured - predicted), with an honest held-out score.

    Parameters
    ----------
    predicted, measured
        ``(N,)`` dBm in the drive test's order (time); NaN pairs are left out.
    group
        ``(N,)`` site of each sample (:func:`match_serving_cells`); None: no site.
    min_samples
        Fewest pairs for a site to get an offset (in each half for the held-out score).
    block
        Consecutive pairs per block; even blocks fit, odd blocks are held out.

    Returns
    -------
    Calibration
    """
    predicted, measured, ok = _pairs(predicted, measured)
    group = np.asarray(group, dtype=object).ravel()
    if group.size != predicted.size:
        raise InputError(f"{group.size} group labels for {predicted.size} samples", field="group")
    if block < 1 or min_samples < 1:
        raise InputError("block and min_samples must be at least 1", field="block")
    p, m, g = predicted[ok], measured[ok], group[ok]
    error = p - m
    offsets = _fit_offsets(error, g, min_samples)
    after = _apply(p, g, offsets) - m
    rows = []
    for label in pd.unique(pd.Series(g).dropna()):
        member = g == label
        rows.append(
            {
                "site": label,
                "n": int(member.sum()),
                "offset_db": offsets.get(label, np.nan),
                "rmse_before_db": _rmse(error[member]),
                "rmse_after_db": _rmse(after[member]),
            }
        )
    fit = (np.arange(p.size) // block) % 2 == 0
    half_offsets = _fit_offsets(error[fit], g[fit], min_samples)
    held = ~fit
    return Calibration(
        offsets,
        pd.DataFrame(rows, columns=["site", "n", "offset_db", "rmse_before_db", "rmse_after_db"]),
        _rmse(error),
        _rmse(after),
        _rmse(error[held]),
        _rmse(_apply(p[held], g[held], half_offsets) - m[held]),
        int(fit.sum()),
        int(held.sum()),
        min_samples,
        block,
    )
