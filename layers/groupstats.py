"""Grouped statistics over integer keys, vectorised.

Written here rather than with ``pandas.groupby`` because the fused grid needs several
statistics (NaN-aware counts, means, shares and linear-interpolated percentiles) of
millions of observations grouped by one int64 key: with the group index computed once
(``bincount`` on a dense key range, ``np.unique`` otherwise) every statistic is one
``bincount`` or one sort, several times faster than a groupby per statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Above this many possible keys per observation a dense bincount wastes memory.
_DENSE_FACTOR = 4
_DENSE_MIN = 1_000_000
_DENSE_MAX = 100_000_000


@dataclass
class GroupIndex:
    """Observations grouped by key.

    Attributes
    ----------
    keys
        The distinct keys, ascending.
    inverse
        For each observation, the position of its key in ``keys``.
    """

    keys: np.ndarray
    inverse: np.ndarray

    @classmethod
    def from_keys(cls, keys: np.ndarray) -> GroupIndex:
        keys = np.asarray(keys, dtype=np.int64)
        if keys.size == 0:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64))
        low, high = int(keys.min()), int(keys.max())
        span = high - low + 1
        if span <= min(max(_DENSE_FACTOR * keys.size, _DENSE_MIN), _DENSE_MAX):
            present = np.bincount(keys - low, minlength=span) > 0
            distinct = np.flatnonzero(present)
            lookup = np.full(span, -1, dtype=np.int64)
            lookup[distinct] = np.arange(distinct.size)
            return cls(distinct + low, lookup[keys - low])
        distinct, inverse = np.unique(keys, return_inverse=True)
        return cls(distinct, inverse.astype(np.int64))

    @property
    def n_groups(self) -> int:
        return int(self.keys.size)

    def size(self) -> np.ndarray:
        """Observations per group."""
        return np.bincount(self.inverse, minlength=self.n_groups)

    def count(self, values: np.ndarray) -> np.ndarray:
        """Non-NaN values per group."""
        valid = ~np.isnan(np.asarray(values, dtype=np.float64))
        return np.bincount(self.inverse[valid], minlength=self.n_groups)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of non-NaN values per group (0 for groups without any)."""
        v = np.asarray(values, dtype=np.float64)
        valid = ~np.isnan(v)
        return np.bincount(self.inverse[valid], weights=v[valid], minlength=self.n_groups)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of non-NaN values per group (NaN for groups without any)."""
        n = self.count(values)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.sum(values) / np.maximum(n, 1), np.nan)

    def share(self, condition: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """Share of observations (with a non-NaN ``values``, if given) meeting ``condition``."""
        condition = np.asarray(condition, dtype=bool)
        if values is None:
            n = self.size()
            hits = np.bincount(self.inverse[condition], minlength=self.n_groups)
        else:
            valid = ~np.isnan(np.asarray(values, dtype=np.float64))
            n = np.bincount(self.inverse[valid], minlength=self.n_groups)
            hits = np.bincount(self.inverse[valid & condition], minlength=self.n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, hits / np.maximum(n, 1), np.nan)

    def quantile(self, values: np.ndarray, q: float) -> np.ndarray:
        """The ``q`` quantile of non-NaN values per group, with linear interpolation
        between order statistics (numpy's and pandas' default method)."""
        v = np.asarray(values, dtype=np.float64)
        valid = ~np.isnan(v)
        groups = self.inverse[valid]
        v = v[valid]
        order = np.lexsort((v, groups))
        sorted_values = v[order]
        n = np.bincount(groups, minlength=self.n_groups)
        starts = np.concatenate([[0], np.cumsum(n)[:-1]])
        result = np.full(self.n_groups, np.nan)
        has = n > 0
        position = q * (n[has] - 1)
        lower = np.floor(position).astype(np.int64)
        upper = np.minimum(lower + 1, n[has] - 1)
        fraction = position - lower
        base = starts[has]
        result[has] = sorted_values[base + lower] * (1 - fraction) + sorted_values[base + upper] * fraction
        return result
