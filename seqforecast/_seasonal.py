"""Seasonal adjustment shared by the neural forecasters and the classical models.

Multiplicative for the networks and ``deseasonalize``; the long-season
route of automatic ARIMA and ETS also adjusts additively the series that
cannot take seasonal factors (values of both signs, zeros).

Torch-free, so the classical side can use it without loading torch.
"""

from __future__ import annotations

import numpy as np

from seqforecast._panel import RaggedPanel

__all__ = ["SeasonalProfile"]

# Values per block of series decomposed together (see SeasonalProfile).
_BLOCK_VALUES = 1_000_000

# Seasonality tests: the weight of the lower lags' squared autocorrelations
# in the variance of the one at the seasonal lag, and the critical value
# (None: no test). Bartlett's with the rounded 1.645 of the M4 benchmarks'
# Theta code; chi2 with statsmodels' ThetaModel's exact 90 % point of
# chi2(1), 2.705543454095404 (1.6448536 squared).
_TESTS = {"bartlett": (2.0, 1.645), "chi2": (1.0, 2.705543454095404 ** 0.5), "none": None}


class SeasonalProfile:
    """Per-series seasonal factors (or additive indices), removed before modelling.

    As in ES-RNN (and the Theta method), each series whose autocorrelation at
    the seasonal lag passes a 90 % test is divided by its classical
    multiplicative seasonal indices (``statsmodels``' ``seasonal_decompose``
    over its observed part); the network learns what remains and its
    forecasts are multiplied back (as the
    model's). A strictly negative series gets the
    factors of its absolute values. Series that are short (less than two
    seasons and one point), not of one strict sign, constant or not seasonal keep
    factors of 1. Factors are stored by panel row modulo the period, so they
    extend to any future row. ``y`` is a
    :class:`~seqforecast._panel.RaggedPanel` (or a dense right-aligned
    panel); each series is read on its own.

    ``test`` is the seasonality test, with ``r_k`` the autocorrelation at
    lag ``k``, ``m`` the period and ``n`` the series' length:
    ``"bartlett"`` (ETS's; the M4 benchmarks' Theta) passes when
    ``|r_m| > 1.645 * sqrt((1 + 2 * sum_{0<k<m} r_k^2) / n)``;
    ``"chi2"`` (statsmodels' ``ThetaModel``; the networks') weighs the
    lower lags once, ``n r_m^2 / (1 + sum_{0<k<m} r_k^2) > 2.7055`` (the
    90 % point of chi2(1); ``|r_m| > 1.64485 * sqrt((1 + sum_{0<k<m} r_k^2) / n)``),
    and passes more short seasonal series; ``"none"`` adjusts every series
    that is long enough, positive and not constant. ``seasons``: the
    indices of each adjusted series are those of its last ``seasons``
    seasons (at least ``2 * period + 1`` values; the networks' five, so
    that a season that changed over a long history is taken as it is
    now); None decomposes the whole series (ETS's).

    ``additive=True`` (automatic ARIMA's and ETS's long seasons) also
    adjusts the series that cannot take factors, those of both signs or
    with a zero, by their classical additive indices (``seasonal_decompose``
    with ``model="additive"``, which sum to zero over a season), kept in
    ``offsets`` (period, n_series; None when no series has them);
    ``additive="all"`` adjusts every series so (a model asked for with an
    additive season). Such a series keeps factors of 1: it is adjusted as
    ``y - offset`` and restored as ``x + offset``, the others as
    ``y / factor`` and ``x * factor``. A series adjusted additively whose
    history never goes below zero (solar output, with its zeros at night)
    has its restored values floored at zero (``floored``): adding back a
    negative index to a level forecast would otherwise forecast negative
    output at night.
    """

    # Profiles made before the additive part existed have no offsets.
    offsets = None
    floored = None

    def __init__(self, y, period, test="bartlett", seasons=None, additive=False):
        if test not in _TESTS:
            raise ValueError(f"test must be one of {sorted(_TESTS)}, got {test!r}.")
        if additive not in (False, True, "all"):
            raise ValueError(f"additive must be False, True or 'all', got {additive!r}.")
        if seasons is not None and (isinstance(seasons, bool) or not isinstance(
                seasons, (int, np.integer)) or seasons < 2):
            raise ValueError(f"seasons must be None or an int >= 2, got {seasons!r}.")
        y = RaggedPanel.of(y)
        n_series = y.n_series
        self.factors = np.ones((max(period, 1), n_series))
        if period < 2:
            return
        from statsmodels.tsa.seasonal import seasonal_decompose

        # Series of one length at a time, as the columns of a block: the test
        # and statsmodels' decomposition run on all of them at once (a call
        # per series cost 150 us, 15 s for 100,000 short series).
        lengths = y.lengths
        for n in np.unique(lengths[lengths >= 2 * period + 1]):
            same = np.flatnonzero(lengths == n)
            # The indices of the last `seasons` seasons (at least two and a
            # point, as the decomposition needs); the test reads all n values.
            kept = int(n) if seasons is None else min(int(n), max(seasons * period,
                                                                  2 * period + 1))
            # Blocks of about a million values: the temporaries of the test
            # and the decomposition stay a few times that, whatever the panel.
            width = max(1, _BLOCK_VALUES // int(n))
            for members in np.split(same, np.arange(width, len(same), width)):
                self._block_factors(y, members, int(n), period, _TESTS[test], kept,
                                    seasonal_decompose, additive)

    def _block_factors(self, y, members, n, period, rule, kept, seasonal_decompose,
                       additive=False):
        """Set the factors of ``members``, series of ``n`` values each.

        ``rule`` is a value of ``_TESTS``; the indices come from the last
        ``kept`` values of each series. ``additive``: the series that
        cannot take factors (all varying series: ``"all"``) get additive
        indices (``offsets``).
        """
        block = y.values[y.offsets[members][None, :] + np.arange(n)[:, None]]  # (n, k)
        varies = np.ptp(block, axis=0) > 0
        # A strictly negative series gets the factors of -y.
        mirrored = np.where(np.all(block < 0, axis=0), -block, block)
        usable = np.all(mirrored > 0, axis=0) & varies & (additive != "all")
        if additive and np.any(varies & ~usable):
            plain = varies & ~usable
            found = self._indices(y, block[:, plain], members[plain], n, period, rule, kept,
                                  seasonal_decompose, "additive")
            if found is not None:
                offsets, rows, adjusted, values = found
                if self.offsets is None:
                    self.offsets = np.zeros_like(self.factors)
                    self.floored = np.zeros(self.factors.shape[1], dtype=bool)
                self.offsets[rows, adjusted[None, :]] = offsets
                self.floored[adjusted] = np.all(values >= 0, axis=0)
        found = self._indices(y, mirrored[:, usable], members[usable], n, period, rule, kept,
                              seasonal_decompose, "multiplicative")
        if found is not None:
            factors, rows, adjusted, _ = found
            self.factors[rows, adjusted[None, :]] = factors

    def _indices(self, y, block, members, n, period, rule, kept, seasonal_decompose, model):
        """The classical ``model`` indices of the columns of ``block`` that pass ``rule``.

        ``(indices (period, k), their panel rows modulo the period, the
        members decomposed, their values)``; None when no column passes.
        """
        seasonal = self._passes(block, period, rule, n)
        if not seasonal.any():
            return None
        block, members = block[:, seasonal], members[seasonal]
        start = n - kept
        decomposed = seasonal_decompose(block[start:], model=model, period=period)
        indices = np.asarray(decomposed.seasonal).reshape(n - start, -1)[:period]
        rows = (y.starts[members][None, :] + start + np.arange(period)[:, None]) % period
        return indices, rows, members, block

    @staticmethod
    def _passes(block, period, rule, n):
        """Which columns of ``block`` pass the seasonality test ``rule`` (None: all)."""
        r = _autocorrelations(block, period)  # -> (period + 1, k)
        if rule is None:
            return np.ones(block.shape[1], dtype=bool)
        weight, critical = rule
        limit = critical * np.sqrt((1 + weight * np.sum(r[1:period] ** 2, axis=0)) / n)
        return np.abs(r[period]) > limit

    def to_state(self):
        """The (period, n_series) array of factors that defines the profile.

        Multiplicative profiles only (the networks'): one with additive
        indices is kept whole, as the classical models pickle it.
        """
        if self.offsets is not None:
            raise ValueError("to_state describes multiplicative profiles only; this "
                             "profile has additive indices.")
        return self.factors

    @classmethod
    def from_state(cls, factors):
        """The profile that :meth:`to_state` described."""
        profile = cls.__new__(cls)
        profile.factors = np.asarray(factors, dtype=np.float64)
        return profile

    def is_flat(self):
        """Whether every factor is 1 and every additive index 0 (no series is adjusted)."""
        return not self.adjusted().any()

    def adjusted(self):
        """Which series the profile adjusts (n_series,), by factors or by additive indices."""
        return np.any(self.factors != 1.0, axis=0) | self.adjusted_additively()

    def adjusted_additively(self):
        """Which series have additive indices (n_series,)."""
        if self.offsets is None:
            return np.zeros(self.factors.shape[1], dtype=bool)
        return np.any(self.offsets != 0.0, axis=0)

    def restore(self, values, start_row):
        """Adjusted ``values`` of panel rows from ``start_row`` back on the data's scale.

        ``values`` (n_rows, n_series) or (n_rows, n_series, k) (quantiles):
        multiplied by the factors of their rows and added their additive
        indices. A new array.
        """
        values = np.asarray(values, dtype=np.float64)
        extra = (None,) * (values.ndim - 2)
        out = values * self.at(start_row, len(values))[(..., *extra)]
        if self.offsets is not None:
            rows = (start_row + np.arange(len(values))) % len(self.offsets)
            out = out + self.offsets[rows][(..., *extra)]
            if self.floored.any():
                out[:, self.floored] = np.maximum(out[:, self.floored], 0.0)
        return out

    def drop(self, series):
        """Leave the series of the boolean mask ``series`` unadjusted (factors 1, no indices)."""
        self.factors[:, series] = 1.0
        if self.offsets is not None:
            self.offsets[:, series] = 0.0
            self.floored[series] = False
            if not self.adjusted_additively().any():
                self.offsets = self.floored = None

    def divide(self, y, start_row=0):
        """``(y - offsets) / factors`` of rows ``start_row ..``, without arrays as large as ``y``.

        Each row phase (rows ``k, k + period, ...``) is divided by its one
        row of factors (less its additive indices first, where the profile
        has them: :meth:`restore` undoes it). A
        :class:`~seqforecast._panel.RaggedPanel` gives a ragged panel: each
        value adjusted by the factor of its aligned row.
        """
        if isinstance(y, RaggedPanel):
            period = len(self.factors)
            rows, series = y.value_rows(), y.series_index()
            values = y.values
            if self.offsets is not None:
                values = values - self.offsets[rows % period, series]
            return y.with_values(values / self.factors[rows % period, series])
        out = np.array(y, dtype=np.float64, copy=True)
        period = len(self.factors)
        for phase in range(min(period, len(out))):
            row = (start_row + phase) % period
            if self.offsets is not None:
                out[phase::period] -= self.offsets[row]
            out[phase::period] /= self.factors[row]
        return out

    def at(self, start_row, n_rows):
        """Factors of panel rows ``start_row .. start_row + n_rows - 1``."""
        rows = (start_row + np.arange(n_rows)) % len(self.factors)
        return self.factors[rows]  # -> (n_rows, n_series)


def weekly_means_profile(y, period, **options):
    """The seasonal profile of ``y``'s trailing seven-day means (daily data with a week and a year).

    ``y`` is an array (rows, series; NaN before a start) or a RaggedPanel of
    days; ``options`` go to :class:`SeasonalProfile`. The profile of
    ``period`` (365) is estimated on each series' trailing seven-day means,
    which hold no weekly pattern, and moved back three days to the centre
    of their week, so that it applies to the days themselves. The classical
    decomposition of the raw days leaves part of the weekly pattern in the
    yearly indices (in four years each day of the year falls on three or
    four weekdays), which a model of the week then meets as noise: on the
    daily births of the United States, 1969-1988, a GRU given the year had
    a 90-day MASE of 0.521 with the raw days' profile and 0.394 with this
    one (``python -m benchmarks.long_windows --datasets births``).
    """
    from seqforecast._time import WEEK_OF_DAYS, weekly_means_of

    values = y.rows(0, y.n_rows) if isinstance(y, RaggedPanel) else np.asarray(y, float)
    if values.ndim == 1:
        values = values[:, None]
    profile = SeasonalProfile(weekly_means_of(values), period, **options)
    shift = -(WEEK_OF_DAYS // 2)
    profile.factors = np.roll(profile.factors, shift, axis=0)
    if profile.offsets is not None:
        profile.offsets = np.roll(profile.offsets, shift, axis=0)
    return profile


def _autocorrelations(values, max_lag):
    """Autocorrelations at lags ``0 .. max_lag``, as statsmodels' ``acf(values, fft=False)``.

    The same sums (mean removed, each over ``len(values)``) at the few lags
    the test reads, in O(n * max_lag): statsmodels correlates every lag
    (``np.correlate``, O(n**2): 150 s on a million hourly points). ``values``
    (n,) or (n, k): one series per column; the result (max_lag + 1[, k]).
    """
    centred = values - values.mean(axis=0)
    total = np.sum(centred * centred, axis=0)
    lags = [np.sum(centred[:-k] * centred[k:], axis=0) / total for k in range(1, max_lag + 1)]
    return np.stack([np.ones_like(total), *lags])

