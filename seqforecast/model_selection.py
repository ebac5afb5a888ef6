"""Temporal splitting and backtesting of forecasters.

:class:`ForecastSplitter` is a scikit-learn cross-validation splitter for
forecasting: each test block is one forecast horizon, the forecast origins
are placed backwards from the end of the data a fixed ``step`` apart, and the
training part is either everything before the origin (expanding) or a fixed
number of rows (sliding). It plugs into ``GridSearchCV``,
``RandomizedSearchCV`` and ``cross_validate``.

:func:`backtest` runs a forecaster over the same rolling origins and returns
its historical forecasts as a tidy table, with the scores of each fold and
each series (:class:`BacktestResult`); it can refit at every origin or only
every few origins and :meth:`~seqforecast.base.BaseForecaster.update` the
fitted model in between, which is how a model is used in production.

Both :func:`backtest` and the calibration of
:class:`~seqforecast.conformal.ConformalForecaster` run on one rolling-origin
engine, ``_rolling_forecasts``, which runs the independent refits in
parallel with joblib.

Rows are timesteps everywhere: a single series and a wide panel (one column
per series) are split the same way.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from numbers import Integral, Real
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn import get_config
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import BaseCrossValidator
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from seqforecast import _panel
from seqforecast import metrics as _metrics
from seqforecast._checks import (
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    POSITIVE_INT_OR_NONE,
    Interval,
    InvalidParameterError,
    StrOptions,
    check_params,
)
from seqforecast._progress import progress_bar
from seqforecast._time import infer_step, seasonal_period_from_freq
from seqforecast.base import _plain, _static_rows_by_name

__all__ = ["BacktestResult", "ForecastSplitter", "backtest"]

_WINDOWS = ("expanding", "sliding")
_BACKTEST_CONSTRAINTS = {
    "refit": ["boolean", Interval(Integral, 1, None, closed="left")],
    "coverage": [Interval(Real, 0, 1, closed="neither"), None],
    "n_jobs": N_JOBS,
    "verbose": ["verbose"],
}


def _n_rows(X, y):
    """Number of timesteps (rows) of ``X`` and/or ``y``; they must agree."""
    counts = {}
    for name, obj in (("X", X), ("y", y)):
        if obj is not None:
            counts[name] = obj.shape[0] if hasattr(obj, "shape") else len(obj)
    if not counts:
        raise ValueError(
            "Cannot count the timesteps: X and y are both None; pass the data (or a "
            "zero-column DataFrame indexed by time) to split."
        )
    if len(set(counts.values())) > 1:
        raise ValueError(
            f"X has {counts['X']} rows but y has {counts['y']}; rows are timesteps and "
            "must be the same in both."
        )
    return next(iter(counts.values()))


class ForecastSplitter(BaseCrossValidator):
    """Rolling-origin cross-validation for forecasters.

    Splits the rows (timesteps) of a series or a panel into ``n_splits``
    folds. Each fold's test block is the ``horizon`` rows that follow a
    forecast origin, with ``gap`` rows skipped between the end of the
    training part and the test block. The origins are placed from the end of
    the data backwards, ``step`` rows apart, so the last fold's test block
    ends at the last row. The training part is every row before the origin
    (``window="expanding"``) or the ``train_size`` rows before it
    (``window="sliding"``).

    Compared with :class:`~sklearn.model_selection.TimeSeriesSplit`, which
    also ends its last test block at the last row:

    - the test blocks have the length of the forecast horizon;
      ``TimeSeriesSplit`` defaults to ``n_samples // (n_splits + 1)`` rows,
      which depends on the length of the data;
    - the step between origins is a parameter of its own: with
      ``step < horizon`` the test blocks overlap, giving many origins on a
      short series; ``TimeSeriesSplit`` always moves by the test size;
    - a sliding window has the same ``train_size`` rows in every fold;
      ``TimeSeriesSplit``'s ``max_train_size`` only caps the window, so its
      first folds train on less;
    - ``min_train_size`` guarantees the first fold enough history for the
      model (for example ``lookback + horizon`` windows of a neural
      forecaster), and data too short for the folds is a ``ValueError``
      that says how many rows are needed;
    - ``n_splits=1`` is allowed: a single holdout of the last horizon.

    Pick it to score a forecaster the way it will be used: forecasting
    ``horizon`` steps from the latest origins, with a training window of a
    controlled size.

    Parameters
    ----------
    horizon : int
        Rows in each test block (the number of steps forecast).
    n_splits : int, default=5
        Number of folds (forecast origins).
    step : int or None, default=None
        Rows between consecutive origins. None: ``horizon`` (test blocks
        tile the end of the data without overlap).
    gap : int, default=0
        Rows left out between the end of the training part and the test
        block. A seqforecast forecaster given ``X`` that starts ``gap`` steps
        after its history forecasts ``gap + horizon`` steps and returns the
        last ``horizon`` (see :class:`~seqforecast.base.BaseForecaster`).
    window : {"expanding", "sliding"}, default="expanding"
        ``"expanding"``: train on every row before the origin;
        ``"sliding"``: on the last ``train_size`` rows before it.
    train_size : int or None, default=None
        Rows of the sliding training window; required with
        ``window="sliding"``, not allowed with ``window="expanding"``.
    min_train_size : int or None, default=None
        Least number of training rows of the first (smallest) fold. None:
        1 for an expanding window. With a sliding window it must not exceed
        ``train_size``.

    See Also
    --------
    backtest : Historical forecasts and scores over the same folds.
    sklearn.model_selection.TimeSeriesSplit : The scikit-learn splitter.

    Examples
    --------
    >>> import numpy as np
    >>> from seqforecast.model_selection import ForecastSplitter
    >>> cv = ForecastSplitter(horizon=2, n_splits=3, step=1)
    >>> for train, test in cv.split(np.zeros((10, 1))):
    ...     print(train[-1], test)
    5 [6 7]
    6 [7 8]
    7 [8 9]
    >>> cv = ForecastSplitter(horizon=3, n_splits=2, window="sliding", train_size=4)
    >>> [(train.tolist(), test.tolist()) for train, test in cv.split(np.zeros((12, 0)))]
    [([2, 3, 4, 5], [6, 7, 8]), ([5, 6, 7, 8], [9, 10, 11])]
    """

    def __init__(
        self,
        horizon,
        *,
        n_splits=5,
        step=None,
        gap=0,
        window="expanding",
        train_size=None,
        min_train_size=None,
    ):
        self.horizon = horizon
        self.n_splits = n_splits
        self.step = step
        self.gap = gap
        self.window = window
        self.train_size = train_size
        self.min_train_size = min_train_size

    _parameter_constraints: ClassVar[dict] = {
        "horizon": POSITIVE_INT,
        "n_splits": POSITIVE_INT,
        "step": POSITIVE_INT_OR_NONE,
        "gap": NON_NEGATIVE_INT,
        "window": [StrOptions(set(_WINDOWS))],
        "train_size": POSITIVE_INT_OR_NONE,
        "min_train_size": POSITIVE_INT_OR_NONE,
    }

    def _check_params(self):
        """Validated (horizon, n_splits, step, gap, first fold's training rows)."""
        names = self._parameter_constraints
        check_params(type(self).__name__, {n: getattr(self, n) for n in names}, names)
        horizon, n_splits, gap = int(self.horizon), int(self.n_splits), int(self.gap)
        step = horizon if self.step is None else int(self.step)
        train_size, min_train = self.train_size, self.min_train_size
        if self.window == "sliding":
            if train_size is None:
                raise ValueError(
                    "window='sliding' needs train_size, the number of training rows "
                    "of every fold."
                )
            if min_train is not None and min_train > train_size:
                raise ValueError(
                    f"min_train_size={min_train} exceeds train_size={train_size}; with a "
                    "sliding window every fold trains on train_size rows."
                )
            first_train = train_size
        else:
            if train_size is not None:
                raise ValueError(
                    f"train_size={train_size} applies to window='sliding' only; an "
                    "expanding window trains on every row before the origin (use "
                    "min_train_size for the smallest one)."
                )
            first_train = min_train if min_train is not None else 1
        return horizon, n_splits, step, gap, first_train

    def _folds(self, n_rows):
        """(train_start, train_end, test_start, test_end) of each fold, oldest first."""
        horizon, n_splits, step, gap, first_train = self._check_params()
        needed = first_train + gap + horizon + (n_splits - 1) * step
        if n_rows < needed:
            raise ValueError(
                f"The data has {n_rows} rows but ForecastSplitter needs at least {needed}: "
                f"{first_train} training rows for the first fold, gap={gap}, "
                f"horizon={horizon} and {n_splits - 1} more origin(s) {step} rows apart. "
                "Lower n_splits, step or min_train_size, or pass a longer history."
            )
        folds = []
        for k in range(n_splits):
            test_end = n_rows - (n_splits - 1 - k) * step
            test_start = test_end - horizon
            train_end = test_start - gap
            train_start = 0 if self.window == "expanding" else train_end - first_train
            folds.append((train_start, train_end, test_start, test_end))
        return folds

    def split(self, X, y=None, groups=None):
        """Generate the training and test row indices of each fold.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), DataFrame or None
            Used only for its number of rows; a zero-column DataFrame (a time
            index) is fine. None: the rows of ``y`` are counted.
        y : array-like of shape (n_timesteps,) or (n_timesteps, n_series), default=None
            The series; counted when ``X`` is None.
        groups : None
            Ignored; exists for compatibility with scikit-learn.

        Yields
        ------
        train : ndarray of int
            Training row positions of the fold.
        test : ndarray of int
            Test row positions of the fold (``horizon`` consecutive rows).
        """
        if _panel.is_long(y) or _panel.is_long(X):
            # Rows of a long table are (series, time) pairs: the last rows are
            # one series' last steps, which series depending on the sort.
            raise ValueError(
                "ForecastSplitter splits rows, and the rows of a long panel (indexed by "
                "(series, time)) are not timesteps: its folds would test whichever series "
                "the table ends with. Use backtest(forecaster, X, y, cv=...), which folds "
                "every series at its own end, or give the panel wide (one column per "
                "series, e.g. y.unstack(0))."
            )
        for train_start, train_end, test_start, test_end in self._folds(_n_rows(X, y)):
            yield np.arange(train_start, train_end), np.arange(test_start, test_end)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored; exist for compatibility with scikit-learn.

        Returns
        -------
        n_splits : int
        """
        return self._check_params()[1]

    def _iter_test_indices(self, X=None, y=None, groups=None):  # pragma: no cover
        # BaseCrossValidator's abstract hook; split() is overridden.
        for _, test in self.split(X, y, groups):
            yield test


# ------------------------------------------------------ rolling-origin engine
class _RollingForecasts(NamedTuple):
    """What :func:`_rolling_forecasts` returns, one entry per fold along axis 0.

    ``forecast``, ``lower`` and ``upper`` have shape (n_folds, horizon,
    n_series), NaN where a fold has fewer test rows than the longest or a
    series was not fitted; ``lower``/``upper`` are None without coverage.
    ``probed`` holds ``probe(model)`` of every probed fold (``probe_folds``;
    None for the others and without probe), ``series`` the positions of the
    series each fold's model was fitted on (None: all of them, or no model
    was fitted at that fold).
    """

    forecast: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None
    probed: list | None
    series: list


def _take(X, y, start, stop, series=None):
    """Rows ``start:stop`` of ``X`` and ``y``, with only the ``series`` columns of ``y``.

    A long panel (``y`` a :class:`~seqforecast._panel.LongPanel`, rows
    aligned at each series' end) comes back in the long layout.
    """
    if isinstance(y, _panel.LongPanel):
        return y.take(start, stop, series)
    rows = slice(start, stop)
    y = _safe_indexing(y, rows)
    if series is not None:
        y = _safe_indexing(y, series, axis=1)
    return (None if X is None else _safe_indexing(X, rows)), y


def _static_key(forecaster):
    """(the fit parameter that takes static features, whether ``y`` reaches it as an array).

    ``static_features`` for a forecaster; ``"<last step>__static_features"``
    through a pipeline, which routes a prefixed parameter to that step (with
    scikit-learn's metadata routing on, the parameter keeps its name and is
    routed by request). A ``TransformedTargetRegressor`` passes its fit
    parameters on as they are, and ``y`` as an array: the series lose their
    names. A ValueError when the estimator that would get them takes none.
    """
    estimator, prefix, as_array = _unwrap(forecaster)
    fit = getattr(estimator, "fit", None)
    if not callable(fit) or "static_features" not in inspect.signature(fit).parameters:
        raise ValueError(
            f"static_features go to the forecaster's fit, but {type(estimator).__name__}.fit "
            "takes none; give them to a seqforecast forecaster (or a pipeline ending in one), "
            "or pass static_features=None."
        )
    if get_config().get("enable_metadata_routing", False):
        prefix = ""
    return prefix + "static_features", as_array


def _static_rows(static, series):
    """The rows of ``static`` for the ``series`` fitted (positions; None: all, as given).

    A subset is taken by position, so ``static`` is then an array in the
    order of the series (a fitted forecaster's ``static_features_``).
    """
    if static is None or series is None:
        return static
    return np.asarray(static)[series]


def _rows(X, y, start, stop):
    """Rows ``start:stop`` for a worker: a long panel stays aligned arrays."""
    if isinstance(y, _panel.LongPanel):
        return X, y.rows(start, stop)
    return _take(X, y, start, stop)


def _future_X(X, y, start, stop, series=None):
    """Covariates of rows ``start:stop``; a zero-column frame keeps the time index."""
    if isinstance(y, _panel.LongPanel):
        X_long, y_long = y.take(start, stop, series)
        return X_long if X_long is not None else pd.DataFrame(index=y_long.index)
    if X is not None:
        return _safe_indexing(X, slice(start, stop))
    if isinstance(y, (pd.Series, pd.DataFrame)):
        return pd.DataFrame(index=y.index[start:stop])
    return np.empty((stop - start, 0))


def _as_2d(values, n_rows):
    """Forecasts as an array (n_rows, n_series); a long one is series by series."""
    if _panel.is_long(values):
        return np.asarray(values, dtype=np.float64).reshape(-1, n_rows).T
    return np.asarray(values, dtype=np.float64).reshape(n_rows, -1)


def _series_to_fit(forecaster, X, y, start, stop):
    """Columns of ``y`` with enough observations in rows ``start:stop`` to be fitted.

    None when every series has (fit the data as given); otherwise the
    positions of the series that have started and have at least
    ``forecaster.observations_needed`` observations, possibly none.
    """
    if isinstance(y, _panel.LongPanel):  # counted from the lengths, no rectangle
        observed = np.minimum(y.ragged.lengths_until(stop), stop - start)
    else:
        observed = np.sum(~np.isnan(_as_2d(_take(X, y, start, stop)[1], stop - start)), axis=0)
    n_series = len(observed)
    series = np.flatnonzero(observed >= 1)
    if len(series) > 0:
        data = _take(X, y, start, stop, None if len(series) == n_series else series)
        series = series[observed[series] >= forecaster.observations_needed(*data)]
    return None if len(series) == n_series else series


def _run_segments(
    forecaster, X, y, segments, coverage, skip_short, probe, probe_folds=None, static=None
):
    """Forecasts of the folds of ``segments``, on the rows of ``X`` and ``y`` given.

    A segment is a list of (fold, train start, origin, test start, test end,
    error context): a fresh clone is fitted at its first fold (or at the
    first one with a series to fit, with ``skip_short``), then updated with
    the rows observed up to each following origin. Returns per fold:
    (fitted series or None for all, forecast, lower, upper, probed), the
    arrays of shape (n_test, n_fitted_series); all None for a fold without
    a fitted model. ``probe`` runs on the folds in ``probe_folds`` (None:
    all). ``static``: (static features, their fit parameter) or None.
    """
    results = []
    for segment in segments:
        model = series = end = None
        for k, start, origin, test_start, test_end, context in segment:
            try:
                if model is None:
                    if skip_short:
                        series = _series_to_fit(forecaster, X, y, start, origin)
                        if series is not None and len(series) == 0:
                            results.append((None,) * 5)
                            continue
                    params = {}
                    if static is not None:
                        features, key = static
                        params[key] = _static_rows(features, series)
                    model = clone(forecaster).fit(*_take(X, y, start, origin, series), **params)
                elif origin > end:
                    model.update(*_take(X, y, end, origin, series))
                end = origin
                # Gap rows are forecast too (with their covariates) and dropped,
                # which is the base's gap rule and also works with plain arrays.
                X_future = _future_X(X, y, origin, test_end, series)
                n_future, n_gap = test_end - origin, test_start - origin
                forecast = _as_2d(model.predict(X_future), n_future)[n_gap:]
                lower = upper = None
                if coverage is not None:
                    bounds = _predict_interval(model, X_future, coverage)
                    level = -1 if isinstance(bounds.columns, pd.MultiIndex) else None
                    lower, upper = (
                        _as_2d(bounds.xs(side, axis=1, level=level), n_future)[n_gap:]
                        for side in ("lower", "upper")
                    )
                probing = probe is not None and (probe_folds is None or k in probe_folds)
                probed = probe(model) if probing else None
            except ValueError as err:
                if context is None:
                    raise
                raise ValueError(f"{context}: {err}") from err
            results.append((series, forecast, lower, upper, probed))
    return results


def _rolling_forecasts(
    forecaster,
    X,
    y,
    folds,
    *,
    refit_every=1,
    coverage=None,
    skip_short=False,
    probe=None,
    probe_folds=None,
    labels=None,
    n_jobs=None,
    progress=None,
    static_features=None,
    on_fold=None,
):
    """Forecasts of ``forecaster`` from every fold's origin: the rolling-origin engine.

    :func:`backtest` and :class:`~seqforecast.conformal.ConformalForecaster`
    both run on it. Every fold forecasts from the end of its training rows
    as the forecaster would have at that time. Segments (a refit and the
    updates that follow it) are independent: they run through joblib's
    ``Parallel`` with the active backend, a few chunks of consecutive
    segments per worker so that scheduling costs little.

    Parameters
    ----------
    forecaster : estimator
        Cloned, never modified.
    X : array-like of shape (n_timesteps, n_features), DataFrame or None
        Covariates of the whole history, as the forecaster takes them.
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        The whole history, as the forecaster takes it.
    folds : sequence of (train_start, origin, test_start, test_end)
        Row bounds of each fold: fit on rows ``train_start:origin``, forecast
        from ``origin`` and keep rows ``test_start:test_end`` (the rows in
        between are a gap). In time order when updating.
    refit_every : int or None, default=1
        Fit a fresh clone at folds 0, k, 2k, ... and update it with the rows
        observed up to the origin of the folds in between (a sliding window
        then applies to the refitted folds only). None: fit once.
    coverage : float or None, default=None
        Also forecast central prediction intervals of this coverage.
    skip_short : bool, default=False
        At each fit, leave out the series of a panel with fewer observations
        in the training rows than ``forecaster.observations_needed`` (a
        BaseForecaster's method); they are NaN until the next fit, and a fold
        with no series to fit is NaN and defers the fit to the next fold.
    probe : callable or None, default=None
        ``probe(model)``, called with the fitted model after each fold's
        forecast; its values are returned (it must be picklable to run in
        other processes).
    probe_folds : collection of int or None, default=None
        The folds (positions in ``folds``) to probe; None: every fold. The
        others' ``probed`` is None.
    labels : sequence or None, default=None
        Labels of the rows; when given, a ValueError of a fold names the fold
        and the label of its last training row.
    n_jobs : int or None, default=None
        Parallel jobs (joblib).
    progress : object or None, default=None
        Progress bar whose ``update(n)`` is called as ``n`` folds finish.
    static_features : DataFrame, array-like or None, default=None
        Static features of the series of ``y``, as ``fit`` takes them; every
        fit gets them, or (with ``skip_short``) the rows of the series it
        fits, taken by position: an array in the order of the series then.
    on_fold : callable or None, default=None
        ``on_fold(k, forecast, lower, upper, probed)``, called in this process
        with fold ``k``'s entries of the result as soon as they arrive, in
        fold order; an exception it raises stops the folds not yet run (a
        fold that cannot be scored fails before the others are fitted).

    Returns
    -------
    result : _RollingForecasts
    """
    # The parameter is checked before any fit.
    static = None if static_features is None else (static_features, _static_key(forecaster)[0])
    if _panel.is_long(y):
        # Rows aligned at each series' end: fold k's origin is the same number
        # of steps before every series' own end.
        y, X = _panel.split_long(y, X), None
    n_folds = len(folds)
    every = n_folds if refit_every is None else refit_every
    if isinstance(y, _panel.LongPanel):
        n_series = y.ragged.n_series
    else:
        n_series = _as_2d(y, _n_rows(X, y)).shape[1]
    horizon = max(test_end - test_start for _, _, test_start, test_end in folds)

    segments = []
    for first in range(0, n_folds, every):
        segment = []
        for k in range(first, min(first + every, n_folds)):
            context = None if labels is None else f"Fold {k} (cutoff {labels[folds[k][1] - 1]})"
            segment.append((k, *folds[k], context))
        segments.append(segment)
    n_workers = max(effective_n_jobs(n_jobs), 1)
    # Sequentially a task costs nothing: one segment each keeps the progress
    # bar moving. In parallel, a few chunks per worker balance the load.
    n_chunks = len(segments) if n_workers == 1 else min(len(segments), 4 * n_workers)
    chunks = [chunk.tolist() for chunk in np.array_split(np.arange(len(segments)), n_chunks)]

    def job(chunk):
        # Each job gets the rows its folds need, and fold bounds relative to them.
        lo = min(fold[1] for s in chunk for fold in segments[s])
        hi = max(fold[4] for s in chunk for fold in segments[s])
        shifted = [
            [(k, start - lo, origin - lo, test_start - lo, test_end - lo, context)
             for k, start, origin, test_start, test_end, context in segments[s]]
            for s in chunk
        ]
        return delayed(_run_segments)(
            forecaster, *_rows(X, y, lo, hi), shifted, coverage, skip_short, probe,
            probe_folds, static,
        )

    forecast = np.full((n_folds, horizon, n_series), np.nan)
    lower = upper = None
    if coverage is not None:
        lower, upper = np.full_like(forecast, np.nan), np.full_like(forecast, np.nan)
    outputs = []
    # A single task (one fit, then updates) gains nothing from a worker.
    parallel = Parallel(n_jobs=n_jobs if len(chunks) > 1 else 1, return_as="generator")
    results = parallel(job(chunk) for chunk in chunks)
    try:
        _collect(results, outputs, forecast, lower, upper, on_fold, progress)
    finally:
        # Stopped early (a fold failed): the folds still running are
        # cancelled; joblib's warning that their work went unused is noise
        # beside the error.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", "[0-9]+ tasks (have been successfully executed|which were still being)"
            )
            results.close()
    probed = None if probe is None else [output[1] for output in outputs]
    return _RollingForecasts(forecast, lower, upper, probed, [output[0] for output in outputs])


def _collect(results, outputs, forecast, lower, upper, on_fold, progress):
    """Fill the arrays of :func:`_rolling_forecasts` from its jobs' results as they arrive."""
    for result in results:
        for series, values, low, high, probed in result:
            k = len(outputs)
            outputs.append((series, probed))
            if values is not None:
                columns = slice(None) if series is None else series
                forecast[k][: len(values), columns] = values
                if lower is not None:
                    lower[k][: len(values), columns] = low
                    upper[k][: len(values), columns] = high
            if on_fold is not None:
                on_fold(k, forecast[k], None if lower is None else lower[k],
                        None if upper is None else upper[k], probed)
        if progress is not None:
            progress.update(len(result))


# ------------------------------------------------------------------ backtest
def _wide_target(X, y, n_rows):
    """(values (n_rows, n_series), series names, time index) of a wide ``y``."""
    y_2d = np.asarray(y, dtype=np.float64).reshape(n_rows, -1)
    if isinstance(y, (pd.Series, pd.DataFrame)):
        index = y.index
    elif isinstance(X, pd.DataFrame):
        index = X.index
    else:
        index = pd.RangeIndex(n_rows)
    if isinstance(y, pd.DataFrame):
        names = list(y.columns)
    elif isinstance(y, pd.Series):
        names = [y.name if y.name is not None else 0]
    else:
        names = list(range(y_2d.shape[1]))
    return y_2d, names, index


@dataclass(repr=False)
class BacktestResult:
    """Historical forecasts and scores returned by :func:`backtest`.

    Attributes
    ----------
    forecasts : DataFrame
        One row per fold, series and step: columns ``fold``, ``cutoff`` (the
        last timestamp of the fold's training part), ``step`` (1 to the
        horizon), ``time`` (the timestamp forecast), ``series``, ``actual``,
        ``forecast``, and ``lower``/``upper`` when intervals were asked for.
        Ordered by fold, series and step.
    scores : DataFrame
        One row per fold (index ``fold``), one column per metric: the mean
        over the series of their scores in that fold.
    series_scores : DataFrame
        The scores of each series in each fold, indexed by (``fold``,
        ``series``).
    actuals : DataFrame or Series
        The whole target (used by :func:`~seqforecast.plotting.plot_backtest`):
        a DataFrame with one column per series, indexed by time, for a wide
        ``y``; the long Series indexed by ``(series, time)`` for a long panel.
    coverage : float or None
        Nominal coverage of the ``lower``/``upper`` intervals, if any.
    """

    forecasts: pd.DataFrame
    scores: pd.DataFrame
    series_scores: pd.DataFrame
    actuals: pd.DataFrame
    coverage: float | None = field(default=None)

    def summary(self):
        """Mean, standard deviation, minimum and maximum of each metric over the folds.

        Returns
        -------
        summary : DataFrame
            One row per metric, columns ``mean``, ``std``, ``min``, ``max``.
        """
        return self.scores.agg(["mean", "std", "min", "max"]).T.rename_axis("metric")

    def __repr__(self):
        n_folds = self.scores.shape[0]
        actuals = self.actuals
        if _panel.is_long(actuals):  # a long Series: its series are the first level
            n_series = actuals.index.get_level_values(0).nunique()
        else:
            n_series = 1 if np.ndim(actuals) == 1 else actuals.shape[1]
        return (
            f"BacktestResult(n_folds={n_folds}, n_series={n_series}, "
            f"metrics={list(self.scores.columns)})"
        )


def _unwrap(estimator):
    """(the estimator inside pipelines and target transforms, its fit-parameter prefix,
    whether a ``TransformedTargetRegressor`` is on the way).

    A pipeline routes ``"<last step>__param"`` to its last step; a
    ``TransformedTargetRegressor`` passes its fit parameters on as they are.
    """
    prefix, through_target_transform = "", False
    while True:
        if isinstance(estimator, Pipeline):
            name, estimator = estimator.steps[-1]
            prefix += f"{name}__"
        elif isinstance(estimator, TransformedTargetRegressor):
            estimator, through_target_transform = estimator.regressor, True
        else:
            return estimator, prefix, through_target_transform


def _inner_forecaster(estimator):
    """The last step of pipelines / the regressor of a TransformedTargetRegressor."""
    return _unwrap(estimator)[0]


def _check_intervals(forecaster):
    """Raise unless ``predict_interval`` can reach the forecaster inside ``forecaster``.

    A pipeline's covariate steps pass ``X`` on to its last step's
    intervals; a ``TransformedTargetRegressor`` would give intervals on the
    transformed scale, which its inverse need not keep in order.
    """
    estimator = forecaster
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    if isinstance(estimator, TransformedTargetRegressor):
        raise ValueError(
            "coverage= needs prediction intervals, which backtest does not take through a "
            "TransformedTargetRegressor (its inverse transform need not keep the bounds in "
            "order); backtest the forecaster on the transformed target instead, or use "
            "coverage=None."
        )
    if not callable(getattr(estimator, "predict_interval", None)):
        raise ValueError(
            f"coverage= needs prediction intervals, but {type(estimator).__name__} has no "
            "predict_interval method; use a seqforecast forecaster or coverage=None."
        )


def _predict_interval(model, X, coverage):
    """``predict_interval`` of a fitted forecaster or of a pipeline's last step.

    The pipeline's other steps transform ``X`` as its ``predict`` would.
    """
    while isinstance(model, Pipeline):
        for _, step in model.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        model = model.steps[-1][1]
    return model.predict_interval(X, coverage=coverage)


def _resolve_cv(cv, forecaster):
    if cv is not None and not isinstance(cv, numbers.Integral):
        if isinstance(cv, str) or not callable(getattr(cv, "split", None)):
            raise ValueError(
                f"cv must be None, an integer (n_splits) or a splitter with a split "
                f"method such as ForecastSplitter, got {cv!r}."
            )
        return cv
    horizon = getattr(_inner_forecaster(forecaster), "horizon", None)
    if horizon is None:
        raise ValueError(
            f"cv={cv!r} needs the forecast horizon, but "
            f"{type(_inner_forecaster(forecaster)).__name__} has no horizon parameter "
            "set; pass cv=ForecastSplitter(horizon=...)."
        )
    if cv is None:
        return ForecastSplitter(horizon)
    check_params("backtest", {"cv": cv}, {"cv": POSITIVE_INT})
    return ForecastSplitter(horizon, n_splits=cv)


def _check_folds(folds):
    """Each fold: contiguous training rows, then contiguous test rows after them."""
    if not folds:
        raise ValueError("cv produced no fold.")
    for k, (train, test) in enumerate(folds):
        train, test = np.asarray(train), np.asarray(test)
        if (
            len(train) == 0
            or len(test) == 0
            or np.any(np.diff(train) != 1)
            or np.any(np.diff(test) != 1)
            or test[0] <= train[-1]
        ):
            raise ValueError(
                f"Fold {k} of cv is not a forecasting fold: backtest needs consecutive "
                "training rows followed by consecutive test rows (as ForecastSplitter "
                "or TimeSeriesSplit give)."
            )


def _check_long_enough_for_folds(panel, folds, n_rows):
    """Raise when a long panel's series has no training row in some fold.

    The rows are aligned at each series' end, so a series of ``L``
    observations has training rows in a fold whose last training row is
    ``r`` only when ``L >= n_rows - r``.
    """
    last_train = min(int(train[-1]) for train, _ in folds)
    needed = n_rows - last_train
    lengths = np.asarray(panel.ragged.lengths)
    short = np.flatnonzero(lengths < needed)
    if len(short):
        ids = list(panel.ids)
        names = [ids[i] for i in short[:3]]
        raise ValueError(
            f"Series too short for these folds ({len(short)}): {names} (the first has "
            f"{lengths[short[0]]} observations), but the earliest fold's cutoff is "
            f"{needed - 1} steps before each series' end, so a series needs at least "
            f"{needed} observations to have one to train on. Leave the short series out "
            f"(e.g. y.groupby(level=0).filter(lambda s: len(s) >= {needed})) or use fewer "
            "or shorter folds."
        )


def _check_wide_starts_for_folds(y_2d, names, folds, index):
    """Raise when a series of a wide panel starts after the earliest fold's cutoff.

    A wide panel's folds cut every column at the same row, so a series
    with only leading NaN in a fold's training rows has nothing to fit
    there (the forecaster's own error was "Series 'N1406' of y has no
    observation (all NaN)", with no way out).
    """
    last_train = min(int(train[-1]) for train, _ in folds)
    observed = ~np.isnan(y_2d)
    first = np.where(observed.any(axis=0), observed.argmax(axis=0), len(y_2d))
    late = np.flatnonzero(first > last_train)
    if len(late):
        s = late[0]
        starts = f"starts at {index[first[s]]}" if first[s] < len(index) else "is empty"
        raise ValueError(
            f"{len(late)} series start after the earliest fold's cutoff ({index[last_train]}), "
            f"so that fold has nothing of them to fit: series {_plain(names[s])!r} {starts}. "
            "A wide panel's folds cut every column at the same row: leave the late series "
            f"out (y.loc[:, y.iloc[:{last_train + 1}].notna().any()]) or use fewer folds."
        )


def _refit_every(refit):
    """Folds between refits: 1 for True, None (fit once) for False, else ``refit``."""
    if isinstance(refit, (bool, np.bool_)):
        return 1 if refit else None
    return int(refit)


_POINT_METRICS = {"mae": _metrics.mae, "rmse": _metrics.rmse, "smape": _metrics.smape}
_INTERVAL_METRICS = {"coverage", "interval_width", "msis"}
_METRIC_NAMES = (*_POINT_METRICS, "mase", *sorted(_INTERVAL_METRICS))


def _is_scorer(metric):
    return hasattr(metric, "_score_func") or isinstance(metric, _metrics._MASEScorer)


def _resolve_scoring(scoring, coverage):
    """List of (name, metric) with metric a str (built-in) or a callable."""
    if isinstance(scoring, str) or callable(scoring):
        scoring = [scoring]
    elif not isinstance(scoring, Iterable):
        # None or a number would fail below as "object is not iterable".
        raise InvalidParameterError(
            "The 'scoring' parameter of backtest must be a metric name (str), a callable "
            "metric(y_true, y_pred), a sequence of these or a dict {name: metric}. Got "
            f"{scoring!r} instead."
        )
    elif not isinstance(scoring, dict):
        scoring = list(scoring)  # read twice below: a generator would be spent
    metrics_ = scoring.values() if isinstance(scoring, dict) else scoring
    if any(_is_scorer(metric) for metric in metrics_):
        # A scorer(estimator, X, y) would predict again; backtest already has
        # the forecasts and scores them with metric functions.
        raise ValueError(
            "scoring holds a scikit-learn scorer(estimator, X, y); backtest takes metric "
            "names such as 'mase' or callables metric(y_true, y_pred)."
        )
    if isinstance(scoring, dict):
        items = list(scoring.items())
    else:
        items = []
        for metric in scoring:
            if not isinstance(metric, str) and not callable(metric):
                raise ValueError(
                    f"scoring entry {metric!r} must be a metric name or a callable."
                )
            name = metric if isinstance(metric, str) else getattr(metric, "__name__", None)
            if name is None:
                raise ValueError(
                    f"Cannot name the scoring callable {metric!r}; pass scoring as a "
                    "dict {name: callable}."
                )
            items.append((name, metric))
    if not items:
        raise ValueError("scoring is empty; give at least one metric.")
    for name, metric in items:
        if isinstance(metric, str):
            if metric not in _METRIC_NAMES:
                raise ValueError(
                    f"Unknown metric {metric!r} in scoring; use one of {_METRIC_NAMES} "
                    "or a callable metric(y_true, y_pred)."
                )
            if metric in _INTERVAL_METRICS and coverage is None:
                raise ValueError(
                    f"The metric {metric!r} scores prediction intervals; pass coverage= "
                    "(for example coverage=0.9) to backtest."
                )
        elif not callable(metric):
            raise ValueError(f"scoring entry {name!r} must be a metric name or a callable.")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"scoring has duplicate metric names {names}.")
    return items


def _accepts_y_train(func):
    try:
        return "y_train" in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _freq_period(index):
    """Seasonal period implied by the frequency of a time index (1 if none)."""
    return seasonal_period_from_freq(infer_step(index))


def _mase_period(fitted, index):
    """Seasonal period of the MASE scale, chosen as ``mase_scorer`` chooses it."""
    try:
        forecaster, _ = _metrics._find_forecaster(fitted)
    except TypeError:
        # Not a seqforecast forecaster: fall back to the data's frequency.
        return _freq_period(index)
    return _metrics.make_mase_scorer()._period(forecaster)


def _score_fold(metrics_, actual, forecast, lower, upper, train, period, coverage, names=None):
    """Scores of one fold: dict name -> array (n_series,).

    ``names`` label the series in the scaled metrics' errors about ``train``.
    """
    scores = {}
    # A long panel's training rows come ragged (no rectangle padded to the
    # longest series); the actuals then carry the names.
    ragged = isinstance(train, _panel.RaggedPanel)
    if names is not None and ragged:
        actual = pd.DataFrame(actual, columns=pd.Index(names, dtype=object))
    elif names is not None and train.ndim == 2:
        train = pd.DataFrame(train, columns=pd.Index(names, dtype=object))
    for name, metric in metrics_:
        if isinstance(metric, str):
            if metric in _POINT_METRICS:
                value = _POINT_METRICS[metric](actual, forecast, multioutput="raw_values")
            elif metric == "mase":
                value = _metrics.mase(
                    actual, forecast, y_train=train, seasonal_period=period,
                    multioutput="raw_values",
                )
            elif metric == "coverage":
                value = _metrics.coverage(actual, lower, upper, multioutput="raw_values")
            elif metric == "interval_width":
                value = _metrics.interval_width(lower, upper, multioutput="raw_values")
            else:  # msis
                value = _metrics.msis(
                    actual, lower, upper, y_train=train, seasonal_period=period,
                    alpha=1 - coverage, multioutput="raw_values",
                )
        else:
            # User metrics see one series at a time, as 1-D arrays.
            pass_train = _accepts_y_train(metric)
            value = []
            values = np.asarray(actual)
            for j in range(values.shape[1]):
                kwargs = {}
                if pass_train:
                    series_train = train.series(j) if ragged else np.asarray(train)[:, j]
                    kwargs["y_train"] = series_train[~np.isnan(series_train)]
                value.append(float(metric(values[:, j], forecast[:, j], **kwargs)))
        scores[name] = np.asarray(value, dtype=np.float64)
    return scores


def backtest(
    forecaster,
    X,
    y,
    *,
    cv=None,
    refit=True,
    scoring=("smape", "mase"),
    coverage=None,
    static_features=None,
    n_jobs=None,
    verbose=False,
):
    """Historical forecasts of a forecaster over rolling origins.

    For each fold of ``cv`` the forecaster forecasts the fold's test rows
    from the end of its training rows, as it would have at that time; the
    forecasts and the actual values are returned as a tidy table, with the
    scores of every fold and series.

    Parameters
    ----------
    forecaster : estimator
        A seqforecast forecaster, or a pipeline ending in one; cloned, never
        modified.
    X : array-like of shape (n_timesteps, n_features), DataFrame or None
        Covariates, one row per timestep; None without covariates.
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_series)
        The series (``pd.Series``) or panel (``pd.DataFrame``, one column per
        series). Its index gives the ``cutoff`` and ``time`` columns.
    cv : ForecastSplitter, int, splitter or None, default=None
        The folds. None: ``ForecastSplitter(horizon)`` (5 folds); an integer:
        ``ForecastSplitter(horizon, n_splits=cv)``; both take ``horizon``
        from the forecaster's ``horizon`` parameter, so they need one that is
        set (the classical forecasters have none: give them a
        ``ForecastSplitter``). Any splitter that
        yields consecutive training rows followed by consecutive test rows
        (such as ``TimeSeriesSplit``) works too.
    refit : bool or int, default=True
        True: fit a fresh clone at every fold. False: fit on the first fold
        only, then :meth:`~seqforecast.base.BaseForecaster.update` it with the
        rows observed since the previous fold and forecast. An integer ``k``:
        refit on folds 0, k, 2k, ... and update on the others. Updating needs
        the folds in time order (as ``ForecastSplitter`` gives them); a
        sliding window then only applies to the refitted folds.
    scoring : str, callable, sequence or dict, default=("smape", "mase")
        Metrics, by name: "mae", "rmse", "smape", "mase" (scaled by the
        fold's training rows, with the seasonal period the
        :data:`~seqforecast.metrics.mase_scorer` would use: the one the
        index frequency implies (365 instead of a daily index's 7 where
        the fold's training rows cycle over the year and not the week),
        else the one detected from the training rows, else 1; never the
        forecaster's own, so that models are scored on the same scale;
        folds of different lengths can get different periods),
        and with ``coverage``: "coverage", "interval_width", "msis". A
        callable ``metric(y_true, y_pred)`` is called per series on 1-D
        arrays; when it accepts ``y_train`` it also gets the series'
        observed training values. A dict maps names to metrics. Each fold
        is scored as soon as its forecasts arrive, so a fold that cannot be
        scored (a series too short for the MASE scale) stops the backtest
        before the later folds are fitted.
    coverage : float or None, default=None
        When given, also forecast central prediction intervals of this
        nominal coverage (``predict_interval``; of a pipeline's last step,
        on the covariates its other steps make; not through a
        ``TransformedTargetRegressor``); the table gains ``lower`` and
        ``upper`` columns.
    static_features : DataFrame, array-like or None, default=None
        Properties of each series that do not change (a store's size), as
        :meth:`~seqforecast.base.BaseForecaster.fit` takes them: one row per
        series, a DataFrame indexed by the series names or an array in
        their order. Every fold's fit gets them (a pipeline's last step, as
        ``<step>__static_features``); they do not change over time, so no
        fold sees the future through them.
    n_jobs : int or None, default=None
        Parallel jobs (joblib). Folds that start with a refit run
        independently; folds that update run in sequence after their refit.
    verbose : bool, default=False
        Show a progress bar (needs ``tqdm``; without it, no bar).

    Returns
    -------
    result : BacktestResult
        ``result.forecasts`` (the tidy table), ``result.scores`` (fold x
        metric), ``result.series_scores`` ((fold, series) x metric) and
        ``result.summary()``.

    See Also
    --------
    ForecastSplitter : The default folds.
    seqforecast.plotting.plot_backtest : Plot the result.

    Examples
    --------
    >>> from seqforecast.baselines import NaiveForecaster
    >>> from seqforecast.datasets import load_airpassengers
    >>> from seqforecast.model_selection import ForecastSplitter, backtest
    >>> y = load_airpassengers()
    >>> result = backtest(NaiveForecaster(strategy="seasonal"), None, y,
    ...                   cv=ForecastSplitter(horizon=12, n_splits=3))
    >>> result.forecasts.columns.tolist()
    ['fold', 'cutoff', 'step', 'time', 'series', 'actual', 'forecast']
    >>> result.scores["mase"].round(2).tolist()
    [0.41, 1.66, 1.57]
    """
    if y is None:
        raise ValueError("backtest needs y, the series to forecast; got None.")
    check_params(
        "backtest",
        {"refit": refit, "coverage": coverage, "n_jobs": n_jobs, "verbose": verbose},
        _BACKTEST_CONSTRAINTS,
    )
    panel = _panel.split_long(y, X) if _panel.is_long(y) else None
    n_rows = _n_rows(X, y) if panel is None else panel.n_rows
    every = _refit_every(refit)
    metrics_ = _resolve_scoring(scoring, coverage)
    if coverage is not None:
        _check_intervals(forecaster)
    cv = _resolve_cv(cv, forecaster)
    folds = [
        (np.asarray(train), np.asarray(test))
        for train, test in cv.split(
            X if X is not None and panel is None else np.empty((n_rows, 0)),
            y if panel is None else panel.ragged,  # rows counted, no rectangle
        )
    ]
    _check_folds(folds)
    if panel is not None:
        _check_long_enough_for_folds(panel, folds, n_rows)
    if every is None:
        every = len(folds)
    if every > 1 and len(folds) > 1:
        if not hasattr(forecaster, "update"):
            raise ValueError(
                f"refit={refit!r} updates the fitted forecaster between refits, but "
                f"{type(forecaster).__name__} has no update method; use refit=True."
            )
        ends = [train[-1] for train, _ in folds]
        if np.any(np.diff(ends) < 0):
            raise ValueError(
                f"refit={refit!r} updates the forecaster from fold to fold, so the folds "
                "must be in time order; use refit=True with this cv."
            )

    if panel is not None:
        # A long panel: rows aligned at each series' end, so a fold's cutoff is
        # the same number of steps before every series' last observation.
        # Each fold's actuals and training rows are read from the ragged
        # panel: its rectangle, padded to the longest series, can be far
        # larger than the data (10,000 series of 100 points and one of
        # 50,000 would be 4 GB).
        y_2d, names, index = None, list(panel.ids), None
        labels = [f"{n_rows - 1 - r} steps before each series' end" for r in range(n_rows)]
    else:
        y_2d, names, index = _wide_target(X, y, n_rows)
        _check_wide_starts_for_folds(y_2d, names, folds, index)
        if isinstance(static_features, pd.DataFrame) and _static_key(forecaster)[1]:
            # Through a TransformedTargetRegressor the forecaster sees y as an
            # array, with series 0, 1, ...: the frame's rows go by position.
            static_features = _static_rows_by_name(static_features, names).to_numpy()
        labels = list(index)
    # Each fold's (actuals (n_test, n_series), scores), from score.
    scored = {}

    def score(k, forecast, lower, upper, period):
        # Scored as each fold arrives: one that cannot be scored (a series too
        # short for the MASE scale) stops the folds not yet fitted.
        train, test = folds[k]
        if panel is None:
            actual, train_values = y_2d[test], y_2d[train]
        else:
            actual = panel.ragged.between(test[0], test[-1] + 1).to_dense()
            train_values = panel.ragged.between(train[0], train[-1] + 1)
        h = len(actual)
        if coverage is not None:
            lower, upper = lower[:h], upper[:h]
        try:
            scored[k] = actual, _score_fold(
                metrics_, actual, forecast[:h], lower, upper, train_values, period, coverage,
                names,
            )
        except ValueError as err:
            # The zero-scale message says what to do; the too-short one not.
            hint = (" Leave the scaled metrics out (e.g. scoring=('smape',)) or the series."
                    if "seasonal-naive scale with" in str(err) else "")
            raise ValueError(
                f"Scoring fold {k} (cutoff {labels[train[-1]]}): {err}{hint}"
            ) from err

    with progress_bar(len(folds), desc="backtest", unit="fold", verbose=verbose) as bar:
        rolled = _rolling_forecasts(
            forecaster,
            X,
            y,
            [(train[0], train[-1] + 1, test[0], test[-1] + 1) for train, test in folds],
            refit_every=every,
            coverage=coverage,
            probe=partial(_mase_period, index=index),
            labels=labels,
            n_jobs=n_jobs,
            progress=bar,
            static_features=static_features,
            on_fold=score,
        )

    tables, score_rows = [], []
    for k, (train, test) in enumerate(folds):
        actual, scores = scored.pop(k)
        h, m = actual.shape
        forecast = rolled.forecast[k, :h]
        lower = upper = None
        if coverage is not None:
            lower, upper = rolled.lower[k, :h], rolled.upper[k, :h]
        if panel is None:
            cutoff, times = np.full(h * m, train[-1]), np.tile(test, m)
        else:  # each series' own timestamps, series by series
            cutoff = np.repeat(np.asarray(panel.row_times(train[-1]), dtype=object), h)
            times = np.stack([np.asarray(panel.row_times(r), dtype=object) for r in test])
            times = times.T.ravel()
        table = {
            "fold": np.full(h * m, k),
            "cutoff": cutoff,
            "step": np.tile(np.arange(1, h + 1), m),
            "time": times,
            "series": np.repeat(np.arange(m), h),
            # (h, m) -> series by series, each in step order.
            "actual": actual.T.ravel(),
            "forecast": forecast.T.ravel(),
        }
        if coverage is not None:
            table["lower"] = lower.T.ravel()
            table["upper"] = upper.T.ravel()
        tables.append(table)
        for j in range(m):
            score_rows.append({"fold": k, "series": names[j],
                               **{name: values[j] for name, values in scores.items()}})

    columns = {key: np.concatenate([t[key] for t in tables]) for key in tables[0]}
    forecasts = pd.DataFrame({
        "fold": columns["fold"],
        "cutoff": index[columns["cutoff"]] if panel is None else pd.Index(columns["cutoff"]),
        "step": columns["step"],
        "time": index[columns["time"]] if panel is None else pd.Index(columns["time"]),
        "series": pd.Index(names)[columns["series"]],
        "actual": columns["actual"],
        "forecast": columns["forecast"],
        **({"lower": columns["lower"], "upper": columns["upper"]} if coverage else {}),
    })
    series_scores = pd.DataFrame(score_rows).set_index(["fold", "series"])
    scores = series_scores.groupby(level="fold").mean()
    if panel is None:
        actuals = pd.DataFrame(y_2d, index=index, columns=pd.Index(names))
    else:
        actuals = y.iloc[:, 0] if isinstance(y, pd.DataFrame) else y  # the long target
    return BacktestResult(
        forecasts=forecasts,
        scores=scores,
        series_scores=series_scores,
        actuals=actuals,
        coverage=coverage,
    )
