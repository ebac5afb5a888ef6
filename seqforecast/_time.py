"""The one owner of time: regular steps, frequencies and seasonal periods.

Everything in the package that needs to know how far apart two rows are, what
comes after the last timestamp, or how long a season is, asks this module:
the forecasters (through :class:`~seqforecast.base.BaseForecaster`), the
metrics and scorers, the splitter, the plots and the command line.

Seasonal period, one precedence rule everywhere:

1. an explicit ``seasonal_period`` given by the user;
2. else the frequency of a pandas time index (12 for monthly data, 4 for
   quarterly, 7 for daily, ...; see :func:`seasonal_period_from_freq`);
3. else, when there is no time index or it carries no frequency (numpy
   data, a plain integer index), the period detected from the data by
   :func:`detect_seasonal_period`.

One refinement by the data: daily data (7 from a daily index, or 7 or no
season detected in values given bare, read as days) whose series of three years or more
cycle over the year and not over the week get the year, 365
(:func:`daily_yearly_cycle`); the index cannot tell a weekly from a yearly
pattern, and its week would leave the year out of every model. Daily data
of both cycles keep the week, and the models take the year beside it,
out of the seven-day means (:func:`weekly_and_yearly_cycle`, read in
``RNNForecaster`` and the classical models' ``year_out_``).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = [
    "daily_yearly_cycle", "default_horizon", "detect_seasonal_period", "future_index",
    "infer_step", "regular_step", "resolve_seasonal_period", "seasonal_period_from_freq",
    "steps_between", "time_zone_name", "weekly_and_yearly_cycle", "weekly_cycle", "window_season",
    "yearly_cycle",
]

# Seasonal period implied by a pandas frequency's base code (the part before
# any anchor such as "-DEC"); the usual choices of forecasting software.
_PERIOD_BY_FREQ = {
    "Y": 1, "YE": 1, "YS": 1, "A": 1, "AS": 1, "BY": 1, "BYE": 1, "BYS": 1,
    "Q": 4, "QE": 4, "QS": 4, "BQ": 4, "BQE": 4, "BQS": 4,
    "M": 12, "MS": 12, "ME": 12, "BM": 12, "BMS": 12, "BME": 12, "CBMS": 12, "CBME": 12,
    "SM": 24, "SMS": 24, "SME": 24,
    "W": 52,
    "D": 7, "B": 5, "C": 5,
    "h": 24, "H": 24, "bh": 8, "BH": 8, "cbh": 8, "CBH": 8,
}


def seasonal_period_from_freq(freq) -> int:
    """Seasonal period implied by a pandas frequency.

    Monthly data gives 12, quarterly 4, weekly 52, daily 7, business-daily 5,
    hourly 24, half-hourly 48; yearly, sub-second and unknown frequencies
    give 1. A
    multiple of a frequency gives the steps of the same cycle when they
    divide it (``"2h"``: 12, ``"3MS"``: 4, ``"7D"``: 52 as ``"W"``), and 1
    when they do not (``"2D"`` or ``"5h"``: no whole number of steps in a
    week or a day). Weeks are the exception, as for ``"W"`` itself: a year
    is not a whole number of weeks, so multiples of a week round (``"3W"``:
    17).

    Parameters
    ----------
    freq : str, pandas offset or None
        The frequency, for example ``"MS"`` or ``index.freq``.

    Returns
    -------
    int
        The number of steps in one season (1 means no seasonality).

    Examples
    --------
    >>> seasonal_period_from_freq("MS")
    12
    >>> seasonal_period_from_freq("30min")
    48
    >>> seasonal_period_from_freq("2D")
    1
    """
    if freq is None or isinstance(freq, numbers.Integral):
        return 1
    offset = to_offset(freq)
    name = offset.rule_code.split("-")[0]
    n = abs(offset.n)
    if name in ("min", "T", "s", "S", "h", "H", "D"):
        # A fixed step: the steps in a day below a day, in a week below a
        # week, and a year of weeks from whole weeks on (as "W").
        seconds = pd.Timedelta(offset).total_seconds()
        if seconds <= 0:
            return 1
        for cycle in (86400.0, 7 * 86400.0):
            if seconds < cycle:
                steps = cycle / seconds
                return round(steps) if abs(steps - round(steps)) < 1e-9 else 1
        weeks = seconds / (7 * 86400.0)
        if abs(weeks - round(weeks)) > 1e-9:
            return 1
        return max(1, round(_PERIOD_BY_FREQ["W"] / round(weeks)))
    period = _PERIOD_BY_FREQ.get(name, 1)
    if n > 1 and period > 1:
        if name == "W":
            return max(1, round(period / n))
        period = period // n if period % n == 0 else 1
    return period


def time_zone_name(index):
    """The name of a DatetimeIndex's time zone, or None when it has none that reads back.

    A name that ``tz_convert`` turns into the same wall-clock times (zoneinfo,
    pytz and dateutil zones by their keys; "UTC"); None for a naive index or
    a zone without such a name (a bare fixed offset object, say).
    """
    tz = index.tz
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo, pytz
    filename = getattr(tz, "_filename", None)  # dateutil
    if name is None and isinstance(filename, str) and "zoneinfo/" in filename:
        name = "dateutil/" + filename.split("zoneinfo/", 1)[1]
    name = str(name if name is not None else tz)
    try:
        same = index.tz_convert(name).tz_localize(None).equals(index.tz_localize(None))
    except Exception:  # not a time zone name
        same = False
    return name if same else None


def infer_step(index):
    """The frequency of a pandas time index, or None: its own, else inferred."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return None
    if index.freq is not None or len(index) < 3:
        return index.freq
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inferred = pd.infer_freq(index)
    return to_offset(inferred) if inferred is not None else None


# Gaps in an index often come from a meta-estimator that picked rows.
_PICKED_ROWS = (
    "If rows were picked by a splitter (KFold, ShuffleSplit), use ForecastSplitter or "
    "TimeSeriesSplit: a forecaster trains on contiguous history."
)


def _fill_example(name, freq, panel):
    """Code that gives ``name`` ("y", "series 'a' of X") one row per step of ``freq``."""
    data = name.rsplit(" of ", 1)[-1]
    if not panel:
        return f"{data}.asfreq({freq!r}).interpolate()"
    # A (series, time) index: asfreq works on each series' own times.
    also = " (covariates likewise, with .ffill() or their known values)" if data == "y" else ""
    return (f"{data}.groupby(level=0, group_keys=True).apply(lambda s: s.droplevel(0)"
            f".asfreq({freq!r}).interpolate()){also}")


def _describe_gap(index, name, panel=False):
    """Which steps a DatetimeIndex misses, and how to fill them (a sentence).

    The frequency is guessed from runs of a few consecutive rows, and as the
    most common distance between timestamps; the guess kept is the one
    whose regular grid from the first to the last timestamp holds every
    timestamp with the fewest steps added (business days, not days, when
    weekends are absent throughout). ``panel``: ``index`` is one series' of
    a long panel, whose fill differs.
    """
    best = None
    positions = range(0, max(len(index) - 4, 1), max(1, len(index) // 20))
    guesses = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in positions:
            chunk = index[start:start + 5]
            if len(chunk) >= 3:
                guess = pd.infer_freq(chunk)
                if guess is not None:
                    guesses.add(guess)
        if len(index) >= 2:
            # Runs too short to infer (a gap every few rows): the usual
            # distance, named as pandas names a grid of it ('W-SUN', not '7D').
            usual = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
            if usual > pd.Timedelta(0):
                grid = pd.date_range(index[0], periods=5, freq=to_offset(usual))
                guesses.add(pd.infer_freq(grid) or to_offset(usual).freqstr)
                if usual == pd.Timedelta(days=1):
                    guesses.add("B")  # a day apart, weekends perhaps absent throughout
    for guess in sorted(guesses):
        try:
            grid = pd.date_range(index[0], index[-1], freq=guess)
        except (ValueError, pd.errors.OutOfBoundsDatetime):
            continue
        if len(grid) <= 10 * len(index) and index.isin(grid).all():
            missing = grid.difference(index)
            if len(missing) and (best is None or len(missing) < len(best[1])):
                best = (guess, missing)
    if best is None:
        return (f"; resample {'each series' if panel else 'it'} to a regular frequency first, "
                f"e.g. {_fill_example(name, 'MS', panel)}.")
    guess, missing = best
    return (
        f": {len(missing)} step(s) of its frequency {guess!r} are missing, the first at "
        f"{missing[0]}. Give {name} one row per step, e.g. {_fill_example(name, guess, panel)} "
        "to fill them."
    )


def regular_step(index, name, panel=False):
    """Return the step (offset or integer) of a regular, increasing index.

    ``panel``: ``index`` holds one series' times of a long panel (the
    advice of the errors differs).
    """
    if index.has_duplicates:
        raise ValueError(
            f"The index of {name} has duplicate timestamps; each timestep must "
            "appear once."
        )
    if not isinstance(index, (pd.PeriodIndex, pd.DatetimeIndex)) and not (
        pd.api.types.is_integer_dtype(index.dtype)
    ):
        # Before the order: text dates ("01/02/2019") sort as text, and
        # sorting them is not the fix.
        text = pd.api.types.is_string_dtype(index.dtype) or index.dtype == object
        whole = (pd.api.types.is_float_dtype(index.dtype) and len(index)
                 and np.all(np.isfinite(index)) and np.all(np.mod(index, 1) == 0))
        raise ValueError(
            f"The index of {name} must be a DatetimeIndex, PeriodIndex or integer index, "
            f"got {type(index).__name__} of dtype {index.dtype}."
            + (" Dates stored as text (read from a CSV) must be parsed first: "
               "y.index = pd.to_datetime(y.index), with format=... for day-first or "
               "other formats." if text else "")
            + (f" Its values are whole numbers stored as floats ({float(index[0])}, ...; "
               "years read from a table often are): make them integers, "
               f"{name}.index = {name}.index.astype(int)." if whole else "")
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"The index of {name} is not monotonic increasing; sort the data by "
            "time before fitting. A meta-estimator that picks rows (KFold, "
            "ShuffleSplit, HalvingGridSearchCV's default resource n_samples) "
            "reorders them: use ForecastSplitter or TimeSeriesSplit, and "
            'resource="max_epochs" for halving search.'
        )
    if isinstance(index, pd.PeriodIndex):
        if len(index) > 1:
            steps = np.diff(index.asi8)
            if np.any(steps != 1):
                raise ValueError(
                    f"The index of {name} has missing periods; it must be regularly "
                    f"spaced with frequency {index.freqstr!r}."
                )
        return index.freq
    if isinstance(index, pd.DatetimeIndex):
        if len(index) < 2:
            return index.freq
        if index.freq is not None or len(index) >= 3:
            freq = infer_step(index)
        else:  # two timestamps without a freq: their distance is all there is
            freq = to_offset(index[1] - index[0])
        if freq is None:
            raise ValueError(
                f"The index of {name} is not regularly spaced (no frequency could "
                f"be inferred){_describe_gap(index, name, panel)} {_PICKED_ROWS}"
            )
        return freq
    # An integer index (the kinds were checked above).
    if len(index) < 2:
        return 1
    steps = np.diff(np.asarray(index, dtype=np.int64))
    if np.any(steps != steps[0]):
        raise ValueError(
            f"The index of {name} is not regularly spaced: integer timesteps "
            f"must increase by a constant step, got steps {sorted(set(steps.tolist()))[:5]}. "
            f"{_PICKED_ROWS}"
        )
    return int(steps[0])


def future_index(index, freq, n_steps):
    """The ``n_steps`` timestamps that follow ``index``."""
    last = index[-1]
    try:
        if isinstance(index, pd.PeriodIndex):
            return pd.period_range(last + 1, periods=n_steps, freq=index.freq)
        if isinstance(index, pd.DatetimeIndex):
            return _future_timestamps(index, freq, n_steps)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise ValueError(
            f"{n_steps} steps after {last} run past the latest date pandas can "
            f"represent ({pd.Timestamp.max.date()}); forecast fewer steps."
        ) from exc
    return pd.RangeIndex(last + freq, last + freq * (n_steps + 1), freq)


def _future_timestamps(index, freq, n_steps):
    last = index[-1]
    if freq is None:
        raise ValueError(
            "The history has a single timestamp and no frequency; cannot build "
            "future timestamps. Give the index a freq (e.g. y.asfreq('MS'))."
        )
    return pd.date_range(last, periods=n_steps + 1, freq=freq, tz=index.tz)[1:]


def steps_between(index, freq, target):
    """Number of steps from the end of ``index`` to ``target`` (1 = next step).

    Returns None when ``target`` does not lie on the grid of ``index``.
    """
    last = index[-1]
    if isinstance(index, pd.PeriodIndex):
        if not isinstance(target, pd.Period) or target.freq != index.freq:
            return None
        return (target - last).n
    if isinstance(index, pd.DatetimeIndex):
        if not isinstance(target, pd.Timestamp) or freq is None:
            return None
        if target <= last:
            # Count backwards so overlaps can be reported as such.
            grid = pd.date_range(end=last, start=target, freq=freq)
            return -(len(grid) - 1) if len(grid) and grid[0] == target else None
        grid = pd.date_range(start=last, end=target, freq=freq)
        # Empty when no grid point lies between them (a day apart, monthly).
        return len(grid) - 1 if len(grid) and grid[-1] == target else None
    if not isinstance(target, numbers.Integral):
        return None
    diff = int(target) - int(last)
    if diff % freq:
        return None
    return diff // freq


# ------------------------------------------------------------------ detection
# Periods of the usual calendars (quarterly, business days, days of the week,
# months, hours of the day, half-hours, weeks of the year, quarter-hours,
# ten-minute slots, hours of the week, five-minute slots, half-hours of the
# week, days of the year): a season is only looked for at these lags, which
# keeps pure noise from producing one.
CANDIDATE_PERIODS = (4, 5, 7, 12, 24, 48, 52, 96, 144, 168, 288, 336, 365)
# A detected period's pooled autocorrelation must be a local peak, at least
# _MIN_ACF, and above _Z standard errors (Bartlett's formula).
_MIN_ACF = 0.1
_Z = 2.75
# What is left of a series with a wandering level after its line is removed
# has high autocorrelations at every short lag, and a small bump among them
# can pass the test above (a weekly promotion series, PromoData, gave 5).
# A real season of a short period stands clear of its neighbouring lags, so
# up to _SHARP_UP_TO a peak of the line-detrended series must rise above
# both neighbours by at least _RISE of what a sinusoid would. Longer periods
# need no such rule (Bartlett's error grows with every autocorrelation below
# the period, and a sinusoid's rise, 0.7 % of its height at 52, is below the
# estimates' noise).
_SHARP_UP_TO = 12
_RISE = 0.25
# A long period is a peak against the lags a quarter of a period away, not
# the next ones: a sinusoid's autocorrelation is 0 there, while between
# lags m - 1 and m it rises by 1 - cos(2 pi / m) of its height (0.7 % at
# 52), less than the estimate's own taper over one lag ((n - k) / n): a
# clean 52-week sine over five years, pooled over 100 series, had lag 51
# above lag 52 (benchmarks/README.md, "Higher frequencies").
_WIDE_ABOVE = _SHARP_UP_TO  # the rise rule is written for neighbours m -/+ 1


def _neighbours(m):
    """The lags a candidate period ``m`` must stand above: ``m -/+ 1``, or ``m -/+ m // 4``."""
    d = m // 4 if m > _WIDE_ABOVE else 1
    return m - d, m + d


def _detrended(y, how):
    """Each series of ``y`` (n, S) differenced once (then its line removed) or its line removed.

    The differences of a curved trend (quadratic, exponential growth) are a
    line, whose autocorrelations are high at every lag: small bumps among
    them passed for short seasons (four in five such series of 200 points
    were called seasonal); without their line they are noise.
    """
    if how == "diff":
        return _detrended(np.diff(y, axis=0), "line")
    observed = ~np.isnan(y)
    # Time since each series' first observation (right-aligned panel).
    t = np.cumsum(observed, axis=0) - 1.0
    n = observed.sum(axis=0)
    t_mean = np.where(observed, t, 0.0).sum(axis=0) / np.maximum(n, 1)
    y_mean = np.nansum(y, axis=0) / np.maximum(n, 1)
    tc = np.where(observed, t - t_mean, 0.0)
    slope = (tc * np.nan_to_num(y - y_mean)).sum(axis=0) / np.maximum((tc**2).sum(axis=0), 1e-300)
    return y - y_mean - slope * (t - t_mean)


def _acf(x, max_lag, size):
    """Autocorrelations (max_lag + 1, S) of the columns of ``x`` (NaN: missing).

    ``size`` is each series' magnitude before detrending: a column whose
    spread is below 1e-9 of it is flat (what remains of an exact line is
    floating-point rounding, which repeats regularly and must not pass for
    a season).
    """
    observed = ~np.isnan(x)
    n = observed.sum(axis=0)
    size = np.where(np.isfinite(size) & (size > 0), size, 1.0)
    # Divided by the magnitude so that squares of values near 1e300 stay finite.
    centred = np.where(observed, (x - np.nansum(x, axis=0) / np.maximum(n, 1)) / size, 0.0)
    n_fft = 1 << int(np.ceil(np.log2(2 * max(len(x), 1))))
    spectrum = np.fft.rfft(centred, n=n_fft, axis=0)
    cov = np.fft.irfft(spectrum * np.conj(spectrum), n=n_fft, axis=0)[: max_lag + 1]
    flat = cov[0] <= (1e-9) ** 2 * np.maximum(n, 1)
    return np.where(flat, 0.0, cov / np.where(flat, 1.0, cov[0])), n, flat


def _chunk_autocorrelations(blocks, max_lag, how):
    """``(acf, n, flat)`` of :func:`_acf` for each chunk of columns of ``blocks``.

    Each series is divided by its largest magnitude and detrended ``how``
    (:func:`_detrended`); lags go up to ``max_lag``, or to the block's
    length less one in a block of shorter series. Columns are read a chunk
    at a time, so the FFT's temporaries stay near _CHUNK_CELLS values
    whatever the number of series (each column's result is its own,
    whatever the chunk); chunks come in order, block by block.
    """
    for block in blocks:
        lags = min(max_lag, max(len(block) - 1, 1))
        width = max(1, _CHUNK_CELLS // max(len(block), 1))
        for start in range(0, block.shape[1], width):
            y = block[:, start:start + width]
            size = np.nanmax(np.abs(y), axis=0)
            x = _detrended(y / np.where(size > 0, size, 1.0), how)
            yield _acf(x, lags, np.ones_like(size))


def _seasonal_peaks(blocks, candidates, how):
    """Candidate periods whose pooled autocorrelation passes the test: {period: height}.

    ``blocks`` are dense blocks (rows, series) of the panel's series (see
    :func:`_recent_blocks`); each series' autocorrelations depend on its
    own values only, and are pooled over all of them.
    """
    # Weighted sums over the series with two full cycles of each period,
    # chunk by chunk (in the order of the chunks, so the same sums as over a
    # list of all the chunks' autocorrelations, which are never all held):
    # autocorrelations at the lag m and its neighbours, weights (lengths),
    # and Bartlett's variance of each lag-m one.
    sums = {m: [0.0, np.zeros(3), 0.0] for m in candidates}  # total, around, spread
    # Lags up to the farthest neighbour of a candidate, or fewer in a block
    # of short series (a series counts for a period only with two full
    # cycles of it, so its neighbours' lags are within it).
    max_lag = max(_neighbours(int(m))[1] for m in candidates)
    for acf, n, flat in _chunk_autocorrelations(blocks, max_lag, how):
        for m in candidates:
            use = (n >= 2 * m) & ~flat
            if not use.any():
                continue
            below, above = _neighbours(m)
            w = n[use].astype(np.float64)
            r = acf[:, use]
            part = sums[m]
            part[1] = part[1] + r[[below, m, above]] @ w
            part[0] += w.sum()
            var = (1 + 2 * np.sum(r[1:m] ** 2, axis=0)) / w
            part[2] += np.sum(w**2 * var)
    peaks = {}
    for m in candidates:
        below, above = _neighbours(m)
        total, around, spread = sums[m]
        if total == 0:
            continue
        pooled = dict(zip((below, m, above), around / total, strict=True))
        se = np.sqrt(spread) / total
        is_peak = pooled[m] > pooled[below] and pooled[m] >= pooled[above]
        if how == "line" and m <= _SHARP_UP_TO:
            # A sinusoid of period m rises above lags m -/+ 1 (the neighbours
            # of a short period) by a fraction 1 - cos(2 pi / m) of its
            # height; a short season must rise at least _RISE of that (see
            # _SHARP_UP_TO).
            rise = pooled[m] - max(pooled[below], pooled[above])
            is_peak = is_peak and rise >= _RISE * (1 - np.cos(2 * np.pi / m)) * pooled[m]
        if is_peak and pooled[m] > max(_MIN_ACF, _Z * se):
            peaks[int(m)] = float(pooled[m])
    return peaks


# Rows of the history the detection reads: the last ones.
_DETECTION_ROWS = 5000
# A ragged panel is read as one dense block of its recent rows when that
# block is at most this many times its values (plus a fixed allowance);
# otherwise series of similar lengths are read together, block by block.
_DENSE_FACTOR, _DENSE_ALLOWANCE = 4, 1_000_000
# Values of a block whose autocorrelations are computed at once.
_CHUNK_CELLS = 65_536


def _recent_blocks(y, n_rows):
    """The last ``n_rows`` rows of each series as dense blocks (rows, series).

    ``y`` is an array (one block) or a :class:`~seqforecast._panel.RaggedPanel`:
    one block when its rectangle is small, else one block per group of
    series whose recent lengths fall within a factor of two, each as tall as
    its longest series, so the blocks cost at most about twice the values.
    """
    from seqforecast._panel import RaggedPanel  # _panel imports this module

    if not isinstance(y, RaggedPanel):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1:
            y = y[:, None]
        return [y[-n_rows:]]
    lengths = np.minimum(y.lengths, n_rows)  # each series' recent values
    tallest = int(lengths.max(initial=0))
    if tallest * y.n_series <= _DENSE_FACTOR * int(lengths.sum()) + _DENSE_ALLOWANCE:
        return [y.rows(y.n_rows - tallest, y.n_rows)]
    bucket = np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64)
    blocks = []
    for b in np.unique(bucket):
        series = np.flatnonzero(bucket == b)
        tall = int(lengths[series].max())
        blocks.append(y.rows(y.n_rows - tall, y.n_rows, series))
    return blocks


def detect_seasonal_period(y, *, candidates=CANDIDATE_PERIODS):
    """Seasonal period of a series or panel, detected from its autocorrelation.

    The rule: remove each series' trend twice over, once by differencing
    (a wandering level; the differences' own line is removed too, which
    takes a curved trend's) and once by subtracting its least-squares line
    (a smooth season survives this better); for each candidate period ``m``
    (those of the usual calendars, :data:`CANDIDATE_PERIODS`), average the
    lag-``m`` autocorrelations of all series with at least two full cycles,
    weighted by length. A period passes when this pooled autocorrelation is
    a local peak (above lags ``m - 1`` and ``m + 1``; for periods above
    12, above lags ``m -/+ m // 4``, where a sinusoid's autocorrelation is
    0: next to ``m`` it rises by less than the estimate's taper), at least
    0.1, and more than 2.75 standard errors from zero by Bartlett's formula (so a
    persistent series, whose autocorrelations are all high, does not pass);
    for periods up to 12 in the line-detrended series, the peak must also
    rise above both neighbours by at least a quarter of what a sinusoid of
    period ``m`` would (``0.25 * (1 - cos(2 pi / m))`` of its height), so
    that a wandering level's high short-lag autocorrelations do not pass
    for a short season.
    The highest passing peak wins; a passing divisor of it at least 0.8 times as
    high is preferred (12 rather than 24, 7 rather than 168). None passes:
    1, no season. Only the last 5,000 rows are read (more for candidate
    periods beyond 1,250), so a history of millions of points costs no more
    than one of thousands.

    Measured on synthetic series (the generators of ``tests/test_time.py``,
    50 draws each): a random seasonal profile (unit standard deviation)
    with a trend, a slow random walk and noise of standard deviation 0.3 is
    found in 87-100 % of series of periods 4 to 168 from 6 to 10 cycles on;
    with noise as large as the season, in 17-100 % (short series and short
    periods are the hard cases). A pure sine is found late: its smooth
    autocorrelations inflate Bartlett's standard error, so a clean monthly
    sine needs about nine cycles and long single ones (52 over five
    years, 168 over six weeks) are missed; pooled over a panel they are
    found (a 52-week sine over five years in 100 series), and a 52-week
    sine over ten years with noise 0.3 in 50 of 50 series (26 of 50 when
    the peak was tested against lags 51 and 53). False seasons: at
    most 2 % of white-noise, random-walk, trend-plus-noise and AR(1) series
    of 30 to 500 points. Pooled over a panel the test gains power: on the
    M3 competition's training parts it finds 1 for the yearly and "other"
    panels, 4 for the quarterly and 12 for the monthly panel. Curved
    trends (200 points of quadratic or exponential growth with noise, 40
    draws each, ``python -m benchmarks.detection_trends``) are called
    seasonal in none (83 and 85 % before the differences' line was
    removed); S-shaped (logistic) growth, whose differences are a hump,
    still in 85 %: give ``seasonal_period=1`` for such data.

    Parameters
    ----------
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series), or RaggedPanel
        One series or a right-aligned panel (leading NaN allowed), or a
        ragged panel (:class:`~seqforecast._panel.RaggedPanel`, read
        without its rectangle).
    candidates : sequence of int, default=CANDIDATE_PERIODS
        The periods to test (each at least 2).

    Returns
    -------
    int
        The detected period (1: no seasonality found).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(120)
    >>> detect_seasonal_period(10 + t / 10 + np.sin(2 * np.pi * t / 12))
    12
    >>> detect_seasonal_period(np.random.default_rng(0).normal(size=120).cumsum())
    1
    """
    y, candidates = _check_detection_input(y, candidates)
    # The most recent rows tell the season as well as a million would, at a
    # fixed cost in time and memory (the panel is right-aligned).
    blocks = _recent_blocks(y, max(_DETECTION_ROWS, 4 * max(candidates, default=1)))
    longest = max(int(np.max(np.sum(~np.isnan(b), axis=0), initial=0)) for b in blocks)
    # Differencing loses a point; lags m - 1 .. m + 1 must exist.
    usable = [int(m) for m in candidates if 2 <= m and 2 * m + 2 <= longest]
    if not usable:
        return 1
    peaks = _seasonal_peaks(blocks, usable, "diff")
    for m, height in _seasonal_peaks(blocks, usable, "line").items():
        peaks[m] = max(height, peaks.get(m, height))
    if not peaks:
        return 1
    best = max(peaks, key=peaks.get)
    for m in sorted(peaks):
        if m < best and best % m == 0 and peaks[m] >= 0.8 * peaks[best]:
            return m
    return best


# Hours and half-hours of the day: data of these daily periods (electricity
# demand, traffic, staffing) often also cycle over the week, which a window
# of three days cannot see. A week is WEEK_OF_DAYS of their periods.
_WEEKLY_DAILY_PERIODS = (24, 48)
WEEK_OF_DAYS = 7
# The weekly cycle is a peak of the pooled autocorrelation at one week above
# six and eight days (a cycle of the day alone declines slowly over them),
# by at least _WEEKLY_RISE; read from series of at least _WEEKS_NEEDED weeks.
_WEEKLY_RISE = 0.05
_WEEKS_NEEDED = 3


def weekly_cycle(y, daily_period):
    """Whether hourly or half-hourly data also cycle over the week.

    ``daily_period`` is the data's seasonal period: 24 (hours) or 48
    (half-hours of the day); any other period gives False. The test: in
    each series with its least-squares line removed (as
    :func:`detect_seasonal_period` removes a trend), the autocorrelation at
    one week, pooled over the series of at least three weeks (weighted by
    length), is at least 0.1 and stands above those at six and eight days
    by at least 0.05. A cycle of the day alone makes the three about equal
    (declining slowly with the lag); a weekday and weekend pattern raises
    the week's. (The differenced series, which the season detection also
    reads, are left out: with 30 % noise their estimates at these lags vary
    so much that a first version, which also read them, found a week in
    12 % of single series of eight weeks without one.)
    Measured with ``python -m benchmarks.weekly --detection`` (synthetic
    hourly and half-hourly series of three to eight weeks: a daily profile,
    a trend, a slow random walk, noise of 5 or 30 %; 50 single series or 5
    panels of 100 per case): without a weekly pattern the week was found in
    at most 6 % of single series and in no panel, never in white noise or
    random walks; with weekends at 0.5-0.95 of the weekdays in 40-78 % of
    single series (those whose weekend differs little are missed) and in
    every panel but those of three weeks with 30 % noise. The half-hourly
    electricity demand of Taylor (2003) passes by 0.14.

    Parameters
    ----------
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series), or RaggedPanel
        As for :func:`detect_seasonal_period`.
    daily_period : int
        The seasonal period of the data.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(24 * 7 * 6)
    >>> day = 10 + np.sin(2 * np.pi * t / 24)
    >>> weekend = np.where(t // 24 % 7 >= 5, 0.6, 1.0)
    >>> weekly_cycle(day, 24), weekly_cycle(day * weekend, 24)
    (False, True)
    """
    if daily_period not in _WEEKLY_DAILY_PERIODS:
        return False
    y, _ = _check_detection_input(y, [daily_period])
    week = WEEK_OF_DAYS * daily_period
    lags = [week - daily_period, week, week + daily_period]
    blocks = [b for b in _recent_blocks(y, max(_DETECTION_ROWS, 4 * week))
              if len(b) >= _WEEKS_NEEDED * week]
    total, around = 0.0, np.zeros(3)
    for acf, n, flat in _chunk_autocorrelations(blocks, lags[-1], "line"):
        use = (n >= _WEEKS_NEEDED * week) & ~flat
        w = n[use].astype(np.float64)
        around += acf[lags][:, use] @ w
        total += w.sum()
    if total == 0:
        return False
    below, at, above = around / total
    return bool(at >= _MIN_ACF and at - max(below, above) >= _WEEKLY_RISE)


# Daily data with a yearly cycle: a dated index gives 7 (the week), and the
# detection needs more years than most daily histories hold to find 365 (a
# smooth season's own autocorrelations inflate Bartlett's error). The year
# is taken instead when the pooled autocorrelation of the series of at
# least _YEARS_NEEDED years (their line removed) peaks at a year, by
# _YEARLY_PEAK above the lags a quarter of a year away, and not at a week
# (by _WEEKLY_RISE above six and eight days, as weekly_cycle). Measured by
# python -m benchmarks.yearly (results/yearly_detection.csv; 100 single
# series and five panels of ten per case, of 3, 4, 6 and 10 years): of
# 1,600 single series of white noise, random walks with and without drift
# and AR(1) of coefficient 0.99, three got the year (of three and four
# years), and no panel; a yearly sinusoid of amplitude 10-40 % with noise
# of 5-30 % got it in 51-66 % of single series and 40-100 % of panels, a
# yearly spike in all, a weekend pattern with or without the year in none.
YEAR_OF_DAYS = 365
_YEARS_NEEDED = 3
_YEARLY_PEAK = 0.3


def daily_yearly_cycle(y):
    """Whether daily data cycle over the year and not over the week.

    The test: in each series with its least-squares line removed (as
    :func:`weekly_cycle` reads them), the autocorrelations pooled over the
    series of at least three years (weighted by length) stand at one year
    (365 days) at least 0.3 above those a quarter of a year away (274 and
    456 days), where a wandering level (a random walk, a share price)
    declines steadily; and at one week no more than 0.05 above six and
    eight days (:func:`weekly_cycle`'s rise), since a weekly pattern is
    what a daily index's period of 7 is for. Data of both cycles keep the
    week (the networks take the year beside it:
    :func:`weekly_and_yearly_cycle`).

    Parameters
    ----------
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series), or RaggedPanel
        As for :func:`detect_seasonal_period`.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(4 * 365)
    >>> noise = np.random.default_rng(0).normal(0, 1, t.size)
    >>> year = 10 + 3 * np.sin(2 * np.pi * t / 365.25) + noise
    >>> weekend = np.where(t % 7 >= 5, 3.0, 0.0)
    >>> daily_yearly_cycle(year), daily_yearly_cycle(year + weekend)
    (True, False)
    """
    statistics = _daily_statistics(y)
    if statistics is None:
        return False
    peak, week_rise = statistics
    return bool(peak >= _YEARLY_PEAK and week_rise < _WEEKLY_RISE)


def weekly_and_yearly_cycle(y):
    """Whether daily data cycle over both the week and the year.

    The week as :func:`daily_yearly_cycle` reads it (the pooled
    autocorrelation at 7 days at least 0.05 above those at 6 and 8), the
    year in each series' trailing seven-day means: their pooled
    autocorrelation at 365 days at least 0.3 above those at 274 and 456.
    (On the raw values the weekly pattern's share of the variance lowers
    the yearly peak: 0.187 in the daily births of the United States,
    1969-1988, whose seven-day means show the year clearly.)

    Parameters
    ----------
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series), or RaggedPanel
        As for :func:`detect_seasonal_period`.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(4 * 365)
    >>> noise = np.random.default_rng(0).normal(0, 1, t.size)
    >>> weekend = np.where(t % 7 >= 5, 3.0, 0.0)
    >>> year = 10 + 3 * np.sin(2 * np.pi * t / 365.25)
    >>> both, week = year + weekend + noise, 10 + weekend + noise
    >>> weekly_and_yearly_cycle(both), weekly_and_yearly_cycle(week)
    (True, False)
    """
    raw = _daily_statistics(y)
    if raw is None or raw[1] < _WEEKLY_RISE:
        return False
    return bool(_daily_statistics(y, weekly_means=True)[0] >= _YEARLY_PEAK)


def _daily_statistics(y, weekly_means=False):
    """``(peak, week_rise)`` of daily data, pooled over the series of three years or more.

    ``peak``: the autocorrelation at 365 days above the higher of those at
    274 and 456; ``week_rise``: at 7 days above the higher of those at 6
    and 8; each series' line removed, weighted by length. With
    ``weekly_means`` they are read on each series' trailing seven-day
    means. None when no series is long enough.
    """
    y, _ = _check_detection_input(y, [YEAR_OF_DAYS])
    below, above = _neighbours(YEAR_OF_DAYS)
    lags = [WEEK_OF_DAYS - 1, WEEK_OF_DAYS, WEEK_OF_DAYS + 1, below, YEAR_OF_DAYS, above]
    needed = _YEARS_NEEDED * YEAR_OF_DAYS
    blocks = [b for b in _recent_blocks(y, _DETECTION_ROWS) if len(b) >= needed]
    least = needed
    if weekly_means:  # a series of n values has n - 6 means (none under 7 values)
        blocks = [weekly_means_of(b) for b in blocks]
        blocks = [b[:, ~np.all(np.isnan(b), axis=0)] for b in blocks]
        least = needed - (WEEK_OF_DAYS - 1)
    total, pooled = 0.0, np.zeros(len(lags))
    for acf, n, flat in _chunk_autocorrelations(blocks, above, "line"):
        use = (n >= least) & ~flat
        w = n[use].astype(np.float64)
        pooled += acf[lags][:, use] @ w
        total += w.sum()
    if total == 0:
        return None
    day6, week, day8, quarter_before, year, quarter_after = pooled / total
    return year - max(quarter_before, quarter_after), week - max(day6, day8)


def weekly_means_of(values):
    """Trailing seven-day means of each column of ``values`` (rows, series).

    NaN until a series has seven values (a ragged panel's leading NaN
    stay NaN, one week longer).
    """
    return pd.DataFrame(values).rolling(WEEK_OF_DAYS, min_periods=WEEK_OF_DAYS).mean().to_numpy()


def _check_detection_input(y, candidates):
    """``y`` as a float array (or the RaggedPanel itself) and ``candidates`` as ints, checked."""
    from seqforecast._panel import RaggedPanel  # _panel imports this module

    if not isinstance(candidates, (str, bytes)) and np.iterable(candidates):
        candidates = list(candidates)  # a generator is read once
    if not isinstance(candidates, list) or not candidates or not all(
        isinstance(m, numbers.Integral) and not isinstance(m, bool) and m >= 2
        for m in candidates
    ):
        raise ValueError(
            f"candidates must be a non-empty sequence of integer periods, each at least 2, got "
            f"{candidates!r}."
        )
    candidates = [int(m) for m in candidates]
    if isinstance(y, RaggedPanel):
        return y, candidates
    if y is None:
        raise ValueError("y is None; give the series (1-D) or a panel (2-D, one column each).")
    values = np.asarray(y, dtype=np.float64)
    if values.ndim not in (1, 2):
        raise ValueError(
            f"y must be one series (1-D) or a panel (2-D, one column per series), got "
            f"{values.ndim} dimensions (shape {values.shape})."
        )
    if np.isinf(values).any():
        raise ValueError(
            "y has infinite values; the autocorrelations that detect the season need "
            "finite ones."
        )
    return values, candidates


# Seasonal periods that are the cycle of a year in the usual calendars:
# half-years, four-monthly, quarterly, two-monthly, monthly, four-weekly,
# fortnightly and weekly steps, days. The others are a day's or a week's
# cycle (5 or 7 days, 24 or 48 steps a day, 168 or 336 a week, 96, 144, 288
# minutes' steps); 24 is taken as a day of hours, not semi-monthly steps.
_YEARLY_PERIODS = frozenset({2, 3, 4, 6, 12, 13, 26, 52, 53, 365, 366})


def yearly_cycle(seasonal_period):
    """Whether ``seasonal_period`` is a year's cycle (4 quarters, 12 months, 52 weeks, 365 days).

    Not a day's or a week's (24 hours, 7 days, 168 hours), nor 1. A season
    of the year can drift over the years, where a day's or a week's
    profile is estimated from many cycles (see
    ``seqforecast.neural.forecaster._SEASONAL_INDEX_SEASONS``).
    """
    return int(seasonal_period) in _YEARLY_PERIODS


def window_season(seasonal_period, n_observations):
    """The season a default window is built on: ``seasonal_period``, or 1 when the
    longest series (``n_observations``) holds fewer than two cycles of it."""
    return seasonal_period if 2 * seasonal_period <= n_observations else 1


# The default horizon of data without a season, (least, most) steps: an
# eighth of the longest series within these bounds, so 6 steps. Bounds of
# 6 and 12 (and fixed 8 or 12) were measured on M3 "other" without hints
# and not adopted (benchmarks/README.md, "Two rules for data without
# hints"); the study switch benchmarks._study sets them.
_NONSEASONAL_HORIZON = (6, 6)


def default_horizon(seasonal_period, n_observations):
    """Steps ahead a model is trained for when the user gives no horizon.

    Two seasons for ``2 <= m <= 24`` (8 quarters, 24 months, 14 days, 48
    hours), one season for longer periods, 6 steps without a season; at most
    a quarter of the longest series (``n_observations // 4``), and at least 1.
    A season of which the longest series holds fewer than two cycles counts
    as none: minute data of 1,000 points (m = 1,440 from the index) get 6
    steps, not 250.
    """
    m = window_season(seasonal_period, n_observations)
    least, most = _NONSEASONAL_HORIZON
    base = (2 * m if 2 <= m <= 24 else m if m > 24
            else max(least, min(most, n_observations // 8)))
    return max(1, min(base, n_observations // 4))


def resolve_seasonal_period(seasonal_period, freq, y):
    """The seasonal period and how it was found: ``(period, source)``.

    ``source`` is ``"parameter"`` (an explicit value), ``"index"`` (the
    frequency of a pandas time index) or ``"detected"`` (the data's
    autocorrelation, see :func:`detect_seasonal_period`, when there is no
    index frequency; or the year, 365, of daily data that cycle over it
    and not over the week, see :func:`daily_yearly_cycle`, when the index
    gives 7 or the detection 7 or nothing). ``seasonal_period`` must
    already be checked.
    """
    if seasonal_period is not None:
        return int(seasonal_period), "parameter"
    if freq is not None and not isinstance(freq, numbers.Integral):
        period, source = seasonal_period_from_freq(freq), "index"
    else:
        period, source = detect_seasonal_period(y), "detected"
    # 7 from the index is a step of one day; in values given bare, 7 or
    # nothing found may be days too.
    if period in ((WEEK_OF_DAYS,) if source == "index" else (1, WEEK_OF_DAYS)) and (
            daily_yearly_cycle(y)):
        return YEAR_OF_DAYS, "detected"
    return period, source
