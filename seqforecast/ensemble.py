"""Combinations of forecasters.

:class:`EnsembleForecaster` fits several forecasters on the same history and
combines their forecasts step by step: the median, the mean, or a weighted
mean whose weights are learned on the latest part of the training history.
Forecast combination is the classic way past every single method (the M
competitions); a learned and a statistical model err differently, so their
mean beats both (benchmarks/README.md).
"""

from __future__ import annotations

import copy
import os
import pickle
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

from seqforecast._checks import (
    N_JOBS,
    POSITIVE_INT_OR_NONE,
    StrOptions,
    check_params,
    real_numbers,
    save_directory,
    validate_estimator_params,
)
from seqforecast._time import default_horizon
from seqforecast.base import BaseForecaster, _updatable
from seqforecast.conformal import _series_scale

__all__ = ["EnsembleForecaster", "make_ensemble"]

_AGGREGATES = ("median", "mean", "weighted")


def _named(exc, name):
    """The member's error ``exc`` with its name in front, of the same type.

    The same type, so that callers catching the member's error still catch
    it; ``exc`` itself when its type takes other arguments.
    """
    try:
        return type(exc)(f"Member {name!r} of the ensemble: {exc}")
    except Exception:
        return exc


def _fit_member(name, forecaster, X, y, static_features=None):
    try:
        if static_features is None:
            return clone(forecaster).fit(X, y)
        return clone(forecaster).fit(X, y, static_features=static_features)
    except (ValueError, TypeError) as exc:
        named = _named(exc, name)
        if named is exc:
            raise
        raise named from exc


class EnsembleForecaster(_BaseComposition, BaseForecaster):
    """Forecasts of several forecasters, combined step by step.

    Every member is fitted on the same history (``n_jobs`` in parallel);
    :meth:`predict` combines their forecasts at every step and for every
    series: ``aggregate="median"`` (robust to one bad member),
    ``"mean"`` (optionally with fixed ``weights``) or ``"weighted"``, a
    weighted mean with weights learned on the training history only: clones
    of the members are fitted on the history without its last
    ``validation_horizon`` steps and forecast them; each member's weight is
    proportional to the inverse of its validation error (the mean absolute
    error of each series scaled by its in-sample seasonal-naive error, as in
    MASE, averaged over series), then the members are refitted on the whole
    history. The learned weights are in ``weights_``.

    Quantiles and intervals combine the members' quantiles the same way
    (the mean or median of each quantile over the members: quantile
    averaging), so every member must forecast quantiles (the classical
    forecasters do, neural ones with ``loss="quantile"`` or
    ``"gaussian"``); otherwise wrap the ensemble in
    :class:`~seqforecast.conformal.ConformalForecaster`.

    Parameters of the members are reachable with the ``name__param``
    convention of :class:`~sklearn.ensemble.VotingRegressor`, so
    ``GridSearchCV`` can tune them, and a member can be replaced or dropped
    (``"drop"``) with ``set_params(name=...)``.

    Parameters
    ----------
    forecasters : list of (str, BaseForecaster)
        The members, each with a unique name; ``"drop"`` leaves one out.
    aggregate : {"median", "mean", "weighted"}, default="mean"
        How forecasts are combined at each step.
    weights : array-like of shape (n_members,) or None, default=None
        Fixed non-negative weights of ``aggregate="mean"`` (normalised to sum
        to 1); None: equal weights. Ignored, with a warning, by the other
        aggregates.
    validation_horizon : int or None, default=None
        Steps held out at the end of the history to learn the weights of
        ``aggregate="weighted"``; None: the default horizon of the data
        (two seasons, or 6 steps without a season, at most a quarter of the
        longest series; :func:`seqforecast._time.default_horizon`).
    seasonal_period : int or None, default=None
        Seasonal period of the validation errors' scale; None: from the index
        frequency, else detected from the data (the package's one rule).
    n_jobs : int or None, default=None
        Members fitted in parallel by joblib (with the active backend).

    Attributes
    ----------
    forecasters_ : list of BaseForecaster
        The fitted members (dropped ones left out), in order. :meth:`update`
        updates them in place (members that are ensembles or conformal
        forecasters themselves are replaced by updated copies).
    named_forecasters_ : dict
        The fitted members by name.
    weights_ : ndarray of shape (n_members,)
        The combination weights (equal for "median", where they are not
        used).
    validation_errors_ : ndarray of shape (n_members,) or None
        Scaled validation error of every member (``aggregate="weighted"``).
    validation_horizon_ : int
        The steps held out to learn the weights of ``aggregate="weighted"``:
        ``validation_horizon``, else the default horizon of the season and
        the longest series (:func:`seqforecast._time.default_horizon`).
    seasonal_period_ : int
        The seasonal period of the validation errors' scale.
    seasonal_period_source_ : {"parameter", "index", "detected"}
        Where ``seasonal_period_`` came from: the parameter, the index's
        frequency, or the data (:func:`~seqforecast.detect_seasonal_period`).

    Examples
    --------
    >>> from seqforecast import EnsembleForecaster, NaiveForecaster, ThetaForecaster
    >>> from seqforecast import load_airpassengers
    >>> y = load_airpassengers()
    >>> ensemble = EnsembleForecaster(
    ...     [("snaive", NaiveForecaster(strategy="seasonal")), ("theta", ThetaForecaster())]
    ... ).fit(None, y)
    >>> ensemble.forecast(3).round(1).tolist()
    [428.5, 409.7, 454.3]
    """

    def __init__(
        self,
        forecasters,
        *,
        aggregate="mean",
        weights=None,
        validation_horizon=None,
        seasonal_period=None,
        n_jobs=None,
    ):
        self.forecasters = forecasters
        self.aggregate = aggregate
        self.weights = weights
        self.validation_horizon = validation_horizon
        self.seasonal_period = seasonal_period
        self.n_jobs = n_jobs

    # Covariates and static features go to the members, which read or refuse them.
    _series_covariates = True

    # ------------------------------------------------------------ parameters
    _parameter_constraints: ClassVar[dict] = {
        "forecasters": [list, tuple],
        "aggregate": [StrOptions(set(_AGGREGATES))],
        "weights": ["array-like", None],
        "validation_horizon": POSITIVE_INT_OR_NONE,
        "seasonal_period": POSITIVE_INT_OR_NONE,
        "n_jobs": N_JOBS,
    }

    def get_params(self, deep=True):
        """Parameters of the ensemble and, with ``deep``, of its members (``name__param``)."""
        return self._get_params("forecasters", deep=deep)

    def set_params(self, **params):
        """Set parameters of the ensemble or of a member (``name__param``, ``name``)."""
        self._set_params("forecasters", **params)
        return self

    def _members(self):
        """(names, forecasters) of the members that are not dropped, checked."""
        if not isinstance(self.forecasters, (list, tuple)) or not self.forecasters:
            raise ValueError(
                "forecasters must be a non-empty list of (name, forecaster) tuples, got "
                f"{self.forecasters!r}."
            )
        try:
            names, members = zip(*self.forecasters, strict=True)
        except (TypeError, ValueError):
            raise ValueError(
                "forecasters must be a list of (name, forecaster) tuples, got "
                f"{self.forecasters!r}."
            ) from None
        self._validate_names(names)
        kept = [
            (n, f)
            for n, f in zip(names, members, strict=True)
            if not (isinstance(f, str) and f == "drop")
        ]
        if not kept:
            raise ValueError("All forecasters are 'drop'; at least one is required.")
        for name, member in kept:
            if not isinstance(member, BaseForecaster):
                raise ValueError(
                    f"Member {name!r} must be a seqforecast forecaster (a BaseForecaster) "
                    f"or 'drop', got {type(member).__name__}."
                )
        return [n for n, _ in kept], [f for _, f in kept]

    def _check_params(self):
        self._members()  # checks them
        if self.weights is not None and self.aggregate != "mean":
            # A warning, as scikit-learn does for parameters another one turns
            # off: a search over aggregate keeps its other candidates.
            warnings.warn(
                f"weights are used by aggregate='mean' only, so with aggregate="
                f"{self.aggregate!r} they are ignored ('weighted' learns its own).",
                UserWarning,
                stacklevel=4,
            )
        if self.weights is not None:
            if isinstance(self.weights, dict):
                raise ValueError(
                    f"weights are given by position, one per forecaster in the order of "
                    f"forecasters, not by name; got a dict {self.weights!r}."
                )
            # Numbers only: a cast would read True as 1 and "2" as 2.
            weights = (np.asarray(self.weights, dtype=np.float64)
                       if real_numbers(self.weights) else np.full(0, np.nan))
            if (
                weights.shape != (len(self.forecasters),)
                or not np.all(np.isfinite(weights))
                or np.any(weights < 0)
                or weights.sum() <= 0
            ):
                raise ValueError(
                    f"weights must be {len(self.forecasters)} non-negative numbers (one per "
                    f"forecaster) with a positive sum, got {self.weights!r}."
                )
        self.seasonal_period_ = self._seasonal_period(self.seasonal_period)
        n_longest = int(self.y_panel_.lengths.max())
        self.validation_horizon_ = (
            self.validation_horizon
            if self.validation_horizon is not None
            else default_horizon(self.seasonal_period_, n_longest)
        )

    def _min_observations(self):
        # Each member checks its own needs in fit. The weighted ensemble also
        # needs room for the validation steps: in every series of one series,
        # in the longest of a panel (shorter series are left out of the
        # validation, as too short to be fitted without its steps).
        extra = self.validation_horizon_ if self.aggregate == "weighted" else 0
        why = f"EnsembleForecaster(aggregate={self.aggregate!r}, validation_horizon={extra})"
        if self.n_series_ > 1 and extra:
            longest = int(self.y_panel_.lengths.max())
            if longest < extra + 2:
                raise ValueError(
                    f"The longest series of y has {longest} observations but {why} needs "
                    f"at least {extra + 2} in one series; pass a longer history or a "
                    "smaller validation_horizon."
                )
            return 1, why
        return 1 + extra, why

    def observations_needed(self, X, y):
        """Fewest observations per series that :meth:`fit` accepts: what every member needs.

        The most of the members' own :meth:`observations_needed` (a network's
        window, say) and of the ensemble's (the validation steps of
        ``aggregate="weighted"``).

        Parameters
        ----------
        X, y
            As for :meth:`fit`; a series of ``y`` may be too short.

        Returns
        -------
        n : int
        """
        own = super().observations_needed(X, y)
        _, members = self._members()
        return max(own, *(member.observations_needed(X, y) for member in members))

    # ------------------------------------------------------------ fitting
    def _fit_members(self, names, members, rows, series=None):
        whole = series is None or len(series) == self.n_series_
        X, y = self._history_data(rows, None if whole else series)
        static = self.static_features_
        if static is not None and not whole:
            static = static[series]
        return Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(name, member, X, y, static)
            for name, member in zip(names, members, strict=True)
        )

    def _validation_series(self, members, rows):
        """Series with enough history before row ``rows`` for every member."""
        if self.n_series_ == 1:
            return np.array([0])
        observed = self.y_panel_.lengths_until(rows)
        started = np.flatnonzero(observed >= 2)
        if len(started) == 0:
            return started
        X, y = self._history_data(rows, started)
        needed = max(member.observations_needed(X, y) for member in members)
        return started[observed[started] >= needed]

    def _fit(self, y, X):
        names, members = self._members()
        self.validation_errors_ = None
        if self.aggregate == "weighted":
            h = self.validation_horizon_
            rows = y.n_rows - h
            series = self._validation_series(members, rows)
            if len(series) == 0:
                raise ValueError(
                    f"aggregate='weighted': no series is long enough for every member once "
                    f"its last validation_horizon={h} steps are held out; pass a longer "
                    "history or a smaller validation_horizon."
                )
            for name, member in zip(names, members, strict=True):
                # A bad parameter is the member's error, not the validation's.
                try:
                    validate_estimator_params(member)
                except ValueError as exc:
                    raise _named(exc, name) from exc
            try:
                fitted = self._fit_members(names, members, rows, series)
            except ValueError as exc:
                raise ValueError(
                    f"aggregate='weighted' fits the members on the history without its last "
                    f"validation_horizon={h} steps, which failed: {exc} Pass a longer "
                    "history or a smaller validation_horizon."
                ) from exc
            X_val = self._X_rows(rows, y.n_rows)
            actual = y.rows(rows, y.n_rows, series)  # the validation block only
            scale = _series_scale(y.head(rows).take(series), self.seasonal_period_)
            errors = []
            for member in fitted:
                forecast = member._forecast_values(h, X_val)
                with np.errstate(all="ignore"):
                    per_series = np.nanmean(np.abs(actual - forecast), axis=0) / scale
                errors.append(float(np.nanmean(per_series)))
            errors = np.asarray(errors)
            if not np.all(np.isfinite(errors)):
                raise ValueError(
                    "aggregate='weighted': a member's validation forecast is not finite "
                    f"(errors {errors.tolist()}); check the members."
                )
            inverse = 1.0 / np.maximum(errors, 1e-12)
            self.weights_ = inverse / inverse.sum()
            self.validation_errors_ = errors
        elif self.aggregate == "mean" and self.weights is not None:
            all_names = [n for n, _ in self.forecasters]
            weights = np.asarray(self.weights, dtype=np.float64)
            weights = np.array([weights[all_names.index(n)] for n in names])
            if weights.sum() <= 0:
                raise ValueError("The weights of the forecasters that are not dropped sum to 0.")
            self.weights_ = weights / weights.sum()
        else:
            self.weights_ = np.full(len(members), 1.0 / len(members))
        self.forecasters_ = self._fit_members(names, members, None)
        self.named_forecasters_ = dict(zip(names, self.forecasters_, strict=True))
        return self

    # ------------------------------------------------------------ prediction
    def _combine(self, values):
        """(n_members, ...) -> combined (...)."""
        if self.aggregate == "median":
            return np.median(values, axis=0)
        return np.tensordot(self.weights_, values, axes=1)

    def _reads_skipped_covariates(self):
        return any(m._reads_skipped_covariates() for m in self.forecasters_)

    def _predict(self, n_steps, X):
        forecasts = [m._forecast_values(n_steps, X) for m in self.forecasters_]
        return self._combine(np.stack(forecasts))

    def _predict_quantiles(self, n_steps, X, quantiles):
        values = []
        for name, member in self.named_forecasters_.items():
            try:
                q = member._predict_quantiles(n_steps, X, quantiles)
            except (NotImplementedError, ValueError) as exc:
                raise ValueError(
                    f"Member {name!r} gives no quantiles ({exc}); use members that forecast "
                    "quantiles, or wrap the ensemble in seqforecast.ConformalForecaster."
                ) from exc
            # Sorted along the quantiles, as each member's predict_quantiles gives them.
            q = np.asarray(q, dtype=np.float64)
            order = np.argsort(quantiles, kind="stable")
            q[..., order] = np.sort(q[..., order], axis=2)
            values.append(q)
        return self._combine(np.stack(values))

    def _update(self, y, X):
        # The ensemble is left as it was if a member rejects the new data:
        # that member restores itself (update is atomic), and those updated
        # before it are put back (base._updatable).
        X_new, y_new = self._history_data(start=self.y_panel_.n_rows - len(y))
        members, restore = _updatable(self.forecasters_)
        try:
            for member in members:
                member.update(X_new, y_new)
        except BaseException:
            restore()
            raise
        self.forecasters_ = members
        self.named_forecasters_ = dict(zip(self.named_forecasters_, members, strict=True))

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Save to a directory: members with their own ``save`` in sub-directories.

        The sub-directories are named by the members' positions
        (``member_0``, ...), not by their names, which may be any string.

        The neural members are written by their ``save`` (JSON and tensors,
        loaded without executing code); the rest of the ensemble, with the
        classical members, is pickled to ``ensemble.pkl``, so :meth:`load`
        must only be given directories you trust (as for any pickle).

        ``ensemble.pkl`` is written last, and an earlier one in ``path`` is
        removed first: a save that fails (a member that cannot be saved)
        leaves a directory that :meth:`load` refuses, never a mix of two
        ensembles.

        Parameters
        ----------
        path : str or os.PathLike
            Directory to write (created if needed).
        """
        check_is_fitted(self)
        path = save_directory(path)
        # ensemble.pkl is what makes the directory loadable: an earlier one
        # goes first and the new one comes last, so a save that fails midway
        # leaves nothing that loads (never an earlier ensemble around newer
        # members).
        (path / "ensemble.pkl").unlink(missing_ok=True)
        shell = copy.copy(self)
        members, saved = [], []
        for i, (name, member) in enumerate(self.named_forecasters_.items()):
            if hasattr(member, "save"):
                # A directory by position: member names are any strings
                # ("../x", "a/b", "ensemble.pkl") and must not become paths.
                member.save(path / f"member_{i}")
                members.append(None)
                saved.append((name, type(member), f"member_{i}"))
            else:
                members.append(member)
        shell.forecasters_ = members
        shell.named_forecasters_ = list(self.named_forecasters_)  # the fitted names
        shell._saved_members = saved
        partial = path / "ensemble.pkl.partial"
        with open(partial, "wb") as f:
            pickle.dump(shell, f)
        os.replace(partial, path / "ensemble.pkl")

    @classmethod
    def load(cls, path):
        """Load an ensemble written by :meth:`save` (from a trusted directory).

        Parameters
        ----------
        path : str or os.PathLike
            Directory written by :meth:`save`.

        Returns
        -------
        ensemble : EnsembleForecaster
        """
        path = Path(path)
        file = path / "ensemble.pkl"
        if not os.path.isfile(file):
            raise ValueError(f"{file} does not exist: not a directory written by save().")
        try:
            with open(file, "rb") as f:
                ensemble = pickle.load(f)
        except Exception as exc:  # pickle raises many kinds on damaged files
            raise ValueError(
                f"{file} could not be read ({type(exc).__name__}: {exc}); the model is "
                "corrupt or was written by an incompatible version."
            ) from exc
        if not isinstance(ensemble, cls) or "_saved_members" not in ensemble.__dict__:
            raise ValueError(f"{file} does not hold an {cls.__name__} written by save().")
        # (name, class, directory); saves before the directory was recorded
        # used the member's name.
        saved = {entry[0]: (entry[1], entry[-1] if len(entry) > 2 else entry[0])
                 for entry in ensemble.__dict__.pop("_saved_members")}
        names = ensemble.named_forecasters_  # as fitted, whatever set_params did since
        members = list(ensemble.forecasters_)
        for i, name in enumerate(names):
            if members[i] is None:
                kind, directory = saved[name]
                members[i] = kind.load(path / directory)
        ensemble.forecasters_ = members
        ensemble.named_forecasters_ = dict(zip(names, members, strict=True))
        return ensemble

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = any(
            f.__sklearn_tags__().non_deterministic
            for _, f in self.forecasters
            if isinstance(f, BaseForecaster)
        )
        return tags


_PRESET = {"preset": [StrOptions({"accurate", "fast"})], "random_state": ["random_state"],
           "n_jobs": N_JOBS}


def make_ensemble(preset="fast", *, random_state=0, n_jobs=None, **params):
    """A ready-made :class:`EnsembleForecaster`: a recurrent network and classical models.

    Both presets combine different kinds of forecaster, which err
    differently: a global GRU (one network for all series), the Theta
    method and damped-trend exponential smoothing with a multiplicative
    season (one model per series; a series that cannot take that model gets
    the nearest one it can, ``ETSForecaster(fallback=True)``, and a season
    longer than 24 steps, such as a year of days, is taken out by
    decomposition instead of 365 seasonal states); ``"accurate"``
    adds automatic ARIMA. They were chosen on the validation splits of the
    four M3 categories (the last horizon of each training series; ``python
    -m benchmarks.combine``) and checked on M1 and Tourism
    (benchmarks/README.md).

    Parameters
    ----------
    preset : {"fast", "accurate"}, default="fast"
        ``"fast"``: the mean of the GRU, Theta and damped ETS. ``"accurate"``:
        the same three and automatic ARIMA (:class:`~seqforecast.ARIMAForecaster`),
        combined by the median (the mean of the middle two forecasts at each
        step). On the M3 validation folds it lowered MASE by 1.2-2.1 % on
        monthly, quarterly and other data, not on yearly data, whose short
        series suit ARIMA least. It costs more: 311 s on M3 monthly (1,428
        series, two workers) against 100-180 s for ``"fast"`` with one,
        most of it ARIMA's order search, which is slower still at hourly
        data's period of 24 (seasons longer than that it takes out by
        decomposition); on synthetic daily and weekly panels it did not
        help.
    random_state : int, RandomState instance or None, default=0
        Seed of the network (derived from it; the same in both presets).
    n_jobs : int or None, default=None
        Workers of the per-series members: Theta, ETS and ARIMA fit their
        series in parallel (joblib, with the active backend), and the members
        are fitted one after the other, so the slowest of them gets every
        worker.
    **params
        Set on the network (for example ``horizon``, ``seasonal_period``,
        ``max_epochs``, ``n_threads``); ``seasonal_period`` is also given to
        the classical members and to the ensemble itself.

    Returns
    -------
    EnsembleForecaster

    Examples
    --------
    >>> from seqforecast import make_ensemble
    >>> ensemble = make_ensemble("fast", random_state=0)
    >>> [name for name, _ in ensemble.forecasters], ensemble.aggregate
    (['gru', 'theta', 'ets'], 'mean')
    >>> accurate = make_ensemble("accurate", random_state=0)
    >>> [name for name, _ in accurate.forecasters], accurate.aggregate
    (['gru', 'theta', 'ets', 'arima'], 'median')
    """
    from seqforecast.baselines import ARIMAForecaster, ETSForecaster, ThetaForecaster
    from seqforecast.neural import GRUForecaster

    check_params(
        "make_ensemble", {"preset": preset, "random_state": random_state, "n_jobs": n_jobs},
        _PRESET,
    )
    seed = None
    if random_state is not None:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    period = params.get("seasonal_period")
    members = [
        ("gru", GRUForecaster(random_state=seed, **params)),
        ("theta", ThetaForecaster(seasonal_period=period, n_jobs=n_jobs)),
        ("ets", ETSForecaster(auto=False, trend="add", damped_trend=True, seasonal="mul",
                              fallback=True, seasonal_period=period, n_jobs=n_jobs)),
    ]
    if preset == "fast":
        # The ensemble's own period too: it reports the season its members
        # use, and a weighted aggregate or conformal scale would read it.
        return EnsembleForecaster(members, aggregate="mean", seasonal_period=period)
    members.append(("arima", ARIMAForecaster(seasonal_period=period, n_jobs=n_jobs)))
    return EnsembleForecaster(members, aggregate="median", seasonal_period=period)
