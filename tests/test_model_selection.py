"""ForecastSplitter and backtest, checked against hand-computed folds and forecasts."""

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_backend
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    TimeSeriesSplit,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from seqforecast.baselines import NaiveForecaster
from seqforecast.metrics import coverage, mae, mase, mase_scorer, smape
from seqforecast.model_selection import BacktestResult, ForecastSplitter, backtest


# ------------------------------------------------------ test-only forecasters
class _Recording(NaiveForecaster):
    """NaiveForecaster that logs its fit and update calls (one process only)."""

    log: ClassVar[list] = []

    def _fit(self, y, X):
        type(self).log.append(("fit", len(y)))
        return super()._fit(y, X)

    def _update(self, y, X):
        type(self).log.append(("update", len(self.y_history_)))


class _WithHorizon(NaiveForecaster):
    """NaiveForecaster with a ``horizon`` parameter, as the neural forecasters have."""

    def __init__(self, *, strategy="last", seasonal_period=None, horizon=None):
        super().__init__(strategy=strategy, seasonal_period=seasonal_period)
        self.horizon = horizon


class _WithIntervals(NaiveForecaster):
    """Quantile q of the forecast = naive forecast + 10 * (q - 0.5)."""

    def _predict_quantiles(self, n_steps, X, quantiles):
        point = self._predict(n_steps, X)
        return point[:, :, None] + 10.0 * (quantiles - 0.5)


@pytest.fixture
def zero_X(monthly_series):
    """The covariates of a univariate forecast: a zero-column frame with the time index."""
    return pd.DataFrame(index=monthly_series.index)


# ----------------------------------------------------------- ForecastSplitter
def test_expanding_folds_by_hand():
    # n=20, horizon 3, 3 origins 2 rows apart, gap 1: the test blocks end at
    # rows 16, 18, 20; training ends one row before each test block.
    cv = ForecastSplitter(horizon=3, n_splits=3, step=2, gap=1)
    folds = list(cv.split(np.zeros((20, 2))))
    expected = [
        (np.arange(0, 12), [13, 14, 15]),
        (np.arange(0, 14), [15, 16, 17]),
        (np.arange(0, 16), [17, 18, 19]),
    ]
    assert len(folds) == cv.get_n_splits() == 3
    for (train, test), (train_exp, test_exp) in zip(folds, expected, strict=True):
        np.testing.assert_array_equal(train, train_exp)
        np.testing.assert_array_equal(test, test_exp)
        assert train.dtype.kind == test.dtype.kind == "i"


def test_sliding_folds_by_hand():
    cv = ForecastSplitter(horizon=3, n_splits=3, step=2, gap=1, window="sliding", train_size=5)
    trains = [train.tolist() for train, _ in cv.split(np.zeros((20, 1)))]
    assert trains == [list(range(7, 12)), list(range(9, 14)), list(range(11, 16))]


def test_default_step_tiles_the_end_of_the_data():
    tests = [test for _, test in ForecastSplitter(horizon=4, n_splits=3).split(np.zeros(30))]
    np.testing.assert_array_equal(np.concatenate(tests), np.arange(18, 30))


@pytest.mark.parametrize("gap", [0, 2])
def test_expanding_folds_equal_time_series_split(gap):
    # Reference: scikit-learn's splitter with test_size=horizon gives the same
    # folds when step == horizon and the window expands.
    ours = ForecastSplitter(horizon=4, n_splits=3, gap=gap).split(np.zeros((25, 0)))
    ref = TimeSeriesSplit(n_splits=3, test_size=4, gap=gap).split(np.zeros((25, 1)))
    for (train, test), (train_ref, test_ref) in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)


def test_single_split_is_a_holdout_of_the_last_horizon():
    [(train, test)] = ForecastSplitter(horizon=6, n_splits=1).split(np.zeros(20))
    assert train.tolist() == list(range(14))
    assert test.tolist() == list(range(14, 20))


def test_min_train_size_and_too_short_data():
    cv = ForecastSplitter(horizon=3, n_splits=3, min_train_size=2)
    # 2 training rows + 3 test rows + 2 more origins of 3 rows = 11 rows.
    with pytest.raises(ValueError, match="has 10 rows but ForecastSplitter needs at least 11"):
        list(cv.split(np.zeros(10)))
    first_train, _ = next(cv.split(np.zeros(11)))
    assert len(first_train) == 2
    with pytest.raises(ValueError, match="needs at least 16: 8 training rows"):
        list(ForecastSplitter(horizon=4, n_splits=2, window="sliding", train_size=8)
             .split(np.zeros(15)))


def test_rows_counted_from_X_or_y_for_series_and_panels(monthly_series, ragged_panel):
    cv = ForecastSplitter(horizon=4, n_splits=2)
    by_y = [t.tolist() for _, t in cv.split(None, ragged_panel)]
    by_X = [t.tolist() for _, t in cv.split(pd.DataFrame(index=ragged_panel.index))]
    by_array = [t.tolist() for _, t in cv.split(ragged_panel.to_numpy())]
    assert by_y == by_X == by_array == [[32, 33, 34, 35], [36, 37, 38, 39]]
    assert [t[-1] for _, t in cv.split(monthly_series)] == [55, 59]
    with pytest.raises(ValueError, match="X and y are both None"):
        list(cv.split(None))
    with pytest.raises(ValueError, match="X has 39 rows but y has 40"):
        list(cv.split(np.zeros((39, 0)), ragged_panel))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"horizon": 0}, r"'horizon' parameter of ForecastSplitter must be an int in .*Got 0"),
        ({"horizon": 2.5}, r"'horizon' parameter .* Got 2.5"),
        ({"horizon": 2, "n_splits": 0}, r"'n_splits' parameter .* Got 0"),
        ({"horizon": 2, "step": 0}, r"'step' parameter .* range \[1, inf\) or None\. Got 0"),
        ({"horizon": 2, "gap": -1}, r"'gap' parameter .* range \[0, inf\)\. Got -1"),
        ({"horizon": 2, "window": "rolling"}, r"'window' parameter .* str among"),
        ({"horizon": 2, "window": "sliding"}, "window='sliding' needs train_size"),
        ({"horizon": 2, "train_size": 5}, "train_size=5 applies to window='sliding' only"),
        (
            {"horizon": 2, "window": "sliding", "train_size": 5, "min_train_size": 6},
            "min_train_size=6 exceeds train_size=5",
        ),
    ],
)
def test_bad_parameters(params, match):
    cv = ForecastSplitter(**params)
    with pytest.raises(ValueError, match=match):
        cv.get_n_splits()
    with pytest.raises(ValueError, match=match):
        list(cv.split(np.zeros(100)))


def test_repr_lists_parameters():
    assert "horizon=3" in repr(ForecastSplitter(3))


# ------------------------------------------------- scikit-learn model selection
def _hand_scores(forecaster, y, cv, score):
    """Fit/predict each fold by hand: the reference for sklearn's searches."""
    scores = []
    for train, test in cv.split(y):
        f = forecaster.fit(None, y.iloc[train])
        scores.append(score(y.iloc[test], f.predict(pd.DataFrame(index=y.index[test])), f))
    return np.array(scores)


def _neg_mae(y_true, y_pred, fitted):
    return -mean_absolute_error(y_true, y_pred)


def test_grid_search_scores_equal_hand_folds(monthly_series, zero_X):
    cv = ForecastSplitter(horizon=6, n_splits=3, step=3)
    strategies = ["last", "seasonal", "drift", "mean"]
    search = GridSearchCV(
        NaiveForecaster(), {"strategy": strategies}, cv=cv, scoring="neg_mean_absolute_error"
    ).fit(zero_X, monthly_series)
    for i, strategy in enumerate(strategies):
        hand = _hand_scores(NaiveForecaster(strategy=strategy), monthly_series, cv, _neg_mae)
        got = [search.cv_results_[f"split{k}_test_score"][i] for k in range(3)]
        np.testing.assert_allclose(got, hand)
    # The seasonal series with trend: repeating last year wins.
    assert search.best_params_ == {"strategy": "seasonal"}


def test_randomized_search_scores_equal_hand_folds(monthly_series, zero_X):
    cv = ForecastSplitter(horizon=4, n_splits=2, window="sliding", train_size=24)
    search = RandomizedSearchCV(
        NaiveForecaster(), {"strategy": ["last", "drift", "mean"]}, n_iter=2,
        cv=cv, scoring="neg_mean_absolute_error", random_state=0,
    ).fit(zero_X, monthly_series)
    assert len(search.cv_results_["params"]) == 2
    for i, params in enumerate(search.cv_results_["params"]):
        hand = _hand_scores(NaiveForecaster(**params), monthly_series, cv, _neg_mae)
        got = [search.cv_results_[f"split{k}_test_score"][i] for k in range(2)]
        np.testing.assert_allclose(got, hand)


def test_cross_validate_with_gap_follows_the_gap_rule(monthly_series, zero_X):
    # With gap=2 the forecaster gets X starting 2 steps after its history: it
    # forecasts 2 + 4 steps and drops the first 2. For the drift forecast
    # that is last + (2 + s) * slope, s = 1..4; MASE scales by the training
    # rows' seasonal-naive error with period 12 (monthly index).
    gap, h = 2, 4
    cv = ForecastSplitter(horizon=h, n_splits=3, gap=gap)
    result = cross_validate(
        NaiveForecaster(strategy="drift"), zero_X, monthly_series, cv=cv,
        scoring={"mase": mase_scorer, "mae": "neg_mean_absolute_error"},
    )
    y = monthly_series.to_numpy()
    for k, (train, test) in enumerate(cv.split(zero_X)):
        assert test[0] - train[-1] == gap + 1
        history = y[train]
        slope = (history[-1] - history[0]) / (len(history) - 1)
        forecast = history[-1] + (gap + np.arange(1, h + 1)) * slope
        error = np.mean(np.abs(y[test] - forecast))
        scale = np.mean(np.abs(history[12:] - history[:-12]))
        assert result["test_mae"][k] == pytest.approx(-error)
        assert result["test_mase"][k] == pytest.approx(-error / scale)


# ------------------------------------------------------------------- backtest
def _hand_backtest(forecaster, y, cv):
    """Forecasts of a fit/predict loop over the folds, shape (n_folds, h, n_series)."""
    out = []
    for train, test in cv.split(y):
        future = pd.DataFrame(index=y.index[train[-1] + 1:test[-1] + 1])
        f = forecaster.fit(None, y.iloc[train])
        pred = np.asarray(f.predict(future)).reshape(len(future), -1)
        out.append(pred[len(future) - len(test):])
    return np.array(out)


def test_backtest_refit_equals_hand_loop(monthly_series):
    cv = ForecastSplitter(horizon=6, n_splits=4, step=3, gap=1)
    forecaster = NaiveForecaster(strategy="seasonal")
    result = backtest(forecaster, None, monthly_series, cv=cv)
    assert isinstance(result, BacktestResult)
    assert not hasattr(forecaster, "y_history_")  # backtest fits clones only
    table = result.forecasts
    assert table.columns.tolist() == [
        "fold", "cutoff", "step", "time", "series", "actual", "forecast"
    ]
    hand = _hand_backtest(forecaster, monthly_series, cv)
    np.testing.assert_array_equal(table["forecast"].to_numpy(), hand.ravel())
    index = monthly_series.index
    for k, (train, test) in enumerate(cv.split(monthly_series)):
        fold = table[table["fold"] == k]
        assert (fold["cutoff"] == index[train[-1]]).all()
        assert fold["time"].tolist() == index[test].tolist()
        assert fold["step"].tolist() == [1, 2, 3, 4, 5, 6]
        np.testing.assert_array_equal(fold["actual"], monthly_series.iloc[test])
    assert (table["series"] == "sales").all()


def test_backtest_scores_equal_metrics_by_hand(monthly_series):
    cv = ForecastSplitter(horizon=6, n_splits=3)
    result = backtest(NaiveForecaster(strategy="drift"), None, monthly_series, cv=cv)
    hand = _hand_backtest(NaiveForecaster(strategy="drift"), monthly_series, cv)
    y = monthly_series.to_numpy()
    for k, (train, test) in enumerate(cv.split(y)):
        assert result.scores.loc[k, "smape"] == pytest.approx(smape(y[test], hand[k, :, 0]))
        # Monthly index: MASE scaled by the fold's training rows, lag 12.
        expected = mase(y[test], hand[k, :, 0], y_train=y[train], seasonal_period=12)
        assert result.scores.loc[k, "mase"] == pytest.approx(expected)
    summary = result.summary()
    assert summary.loc["mase", "mean"] == pytest.approx(result.scores["mase"].mean())
    assert summary.loc["smape", "std"] == pytest.approx(result.scores["smape"].std())
    assert summary.columns.tolist() == ["mean", "std", "min", "max"]


def test_backtest_without_update_forecasts_last_training_value(monthly_series):
    cv = ForecastSplitter(horizon=4, n_splits=5, step=2)
    result = backtest(NaiveForecaster(strategy="last"), None, monthly_series, cv=cv, refit=False)
    for k, (train, _) in enumerate(cv.split(monthly_series)):
        forecast = result.forecasts.loc[result.forecasts["fold"] == k, "forecast"]
        assert (forecast == monthly_series.iloc[train[-1]]).all()


@pytest.mark.parametrize(
    ("refit", "expected"),
    [
        (True, ["fit"] * 5),
        (False, ["fit"] + ["update"] * 4),
        (2, ["fit", "update", "fit", "update", "fit"]),
    ],
)
def test_backtest_refit_schedule(monthly_series, refit, expected):
    cv = ForecastSplitter(horizon=4, n_splits=5)
    _Recording.log = []
    result = backtest(_Recording(strategy="mean"), None, monthly_series, cv=cv, refit=refit)
    assert [call for call, _ in _Recording.log] == expected
    # The history at each fold ends where the fold's training part ends.
    assert [n for _, n in _Recording.log] == [len(train) for train, _ in cv.split(monthly_series)]
    # Expanding window: the mean of the history is the same refit or updated.
    reference = backtest(NaiveForecaster(strategy="mean"), None, monthly_series, cv=cv)
    np.testing.assert_allclose(result.forecasts["forecast"], reference.forecasts["forecast"])


def test_update_keeps_history_beyond_a_sliding_window(monthly_series):
    # Drift from the first observation of the history: refitting on a sliding
    # window and updating the first window's fit give different forecasts.
    cv = ForecastSplitter(horizon=4, n_splits=3, window="sliding", train_size=20)
    refit = backtest(NaiveForecaster(strategy="drift"), None, monthly_series, cv=cv)
    update = backtest(NaiveForecaster(strategy="drift"), None, monthly_series, cv=cv, refit=False)
    first = refit.forecasts["fold"] == 0
    np.testing.assert_allclose(refit.forecasts[first]["forecast"],
                               update.forecasts[first]["forecast"])
    y = monthly_series.to_numpy()
    _, test = list(cv.split(y))[2]
    origin = test[0] - 1
    slope = (y[origin] - y[origin - 20 - 8 + 1]) / (20 + 8 - 1)  # history grew by 2 steps of 4
    last = update.forecasts[update.forecasts["fold"] == 2]["forecast"].to_numpy()
    np.testing.assert_allclose(last, y[origin] + slope * np.arange(1, 5))


def test_backtest_panel(ragged_panel):
    cv = ForecastSplitter(horizon=3, n_splits=2, step=4)
    forecaster = NaiveForecaster(strategy="seasonal", seasonal_period=6)
    result = backtest(forecaster, None, ragged_panel, cv=cv, scoring=("mae", "mase"))
    hand = _hand_backtest(forecaster, ragged_panel, cv)  # (fold, step, series)
    # The table runs fold by fold, series by series, step by step.
    np.testing.assert_array_equal(result.forecasts["forecast"], hand.transpose(0, 2, 1).ravel())
    assert result.forecasts["series"].tolist()[:6] == ["a"] * 3 + ["b"] * 3
    assert result.series_scores.index.names == ["fold", "series"]
    y = ragged_panel.to_numpy()
    for k, (train, test) in enumerate(cv.split(y)):
        per_series = mase(y[test], hand[k], y_train=y[train], seasonal_period=12,
                          multioutput="raw_values")
        np.testing.assert_allclose(result.series_scores.loc[k, "mase"], per_series)
        np.testing.assert_allclose(result.series_scores.loc[k, "mae"],
                                   mae(y[test], hand[k], multioutput="raw_values"))
        assert result.scores.loc[k, "mase"] == pytest.approx(per_series.mean())
    pd.testing.assert_frame_equal(result.actuals, ragged_panel, check_freq=False)


def test_backtest_n_jobs_gives_the_same_result(ragged_panel):
    cv = ForecastSplitter(horizon=3, n_splits=4, step=2)
    kwargs = {"cv": cv, "refit": 2}
    one = backtest(NaiveForecaster(strategy="drift"), None, ragged_panel, n_jobs=1, **kwargs)
    two = backtest(NaiveForecaster(strategy="drift"), None, ragged_panel, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.series_scores, two.series_scores)


@pytest.mark.parametrize("refit", [True, 3])
def test_backtest_in_parallel_chunks_gives_the_same_result(monthly_series, refit):
    # 12 folds: with two workers the segments (a refit and its updates) run
    # in chunks; the active joblib backend is used when n_jobs is not given.
    cv = ForecastSplitter(horizon=3, n_splits=12, step=2)
    kwargs = {"cv": cv, "refit": refit, "coverage": 0.8, "scoring": ("mase", "msis")}
    forecaster = NaiveForecaster(strategy="drift")
    one = backtest(forecaster, None, monthly_series, n_jobs=1, **kwargs)
    two = backtest(forecaster, None, monthly_series, n_jobs=2, **kwargs)
    with parallel_backend("threading", n_jobs=2):
        threads = backtest(forecaster, None, monthly_series, **kwargs)
    for other in (two, threads):
        pd.testing.assert_frame_equal(one.forecasts, other.forecasts)
        pd.testing.assert_frame_equal(one.series_scores, other.series_scores)


def test_backtest_plain_arrays_use_positions_and_honour_the_gap():
    y = np.arange(1.0, 31.0)  # a line: drift forecasts it exactly
    cv = ForecastSplitter(horizon=3, n_splits=2, gap=2)
    result = backtest(NaiveForecaster(strategy="drift"), None, y, cv=cv, scoring="mae")
    np.testing.assert_allclose(result.forecasts["forecast"], result.forecasts["actual"])
    assert result.forecasts["cutoff"].tolist() == [21] * 3 + [24] * 3
    assert result.forecasts["time"].tolist() == [24, 25, 26, 27, 28, 29]
    assert result.forecasts["series"].unique().tolist() == [0]
    np.testing.assert_allclose(result.scores["mae"], 0.0)


def test_backtest_with_covariates_in_a_pipeline(monthly_series):
    X = pd.DataFrame({"t": np.arange(60.0)}, index=monthly_series.index)
    pipe = make_pipeline(StandardScaler(), NaiveForecaster(strategy="seasonal"))
    cv = ForecastSplitter(horizon=6, n_splits=2)
    result = backtest(pipe, X, monthly_series, cv=cv)
    expected = backtest(NaiveForecaster(strategy="seasonal"), None, monthly_series, cv=cv)
    pd.testing.assert_frame_equal(result.forecasts, expected.forecasts)
    pd.testing.assert_frame_equal(result.scores, expected.scores)
    with pytest.raises(ValueError, match="Pipeline has no update method; use refit=True"):
        backtest(pipe, X, monthly_series, cv=cv, refit=False)


def test_backtest_accepts_time_series_split(monthly_series):
    cv = TimeSeriesSplit(n_splits=3, test_size=4)
    result = backtest(NaiveForecaster(), None, monthly_series, cv=cv, refit=False)
    reference = backtest(NaiveForecaster(), None, monthly_series,
                         cv=ForecastSplitter(horizon=4, n_splits=3))
    pd.testing.assert_frame_equal(result.forecasts, reference.forecasts)


def test_backtest_cv_from_the_forecaster_horizon(monthly_series):
    result = backtest(_WithHorizon(horizon=5), None, monthly_series, cv=3)
    assert result.scores.shape[0] == 3
    assert result.forecasts["step"].max() == 5
    assert backtest(_WithHorizon(horizon=2), None, monthly_series).scores.shape[0] == 5
    with pytest.raises(ValueError, match=r"cv=None needs the forecast horizon.*ForecastSplitter"):
        backtest(NaiveForecaster(), None, monthly_series)


def test_backtest_callable_and_dict_scoring(monthly_series):
    def max_error(y_true, y_pred):
        return np.max(np.abs(y_true - y_pred))

    def scaled(y_true, y_pred, y_train):
        return np.mean(np.abs(y_true - y_pred)) / np.mean(np.abs(np.diff(y_train)))

    cv = ForecastSplitter(horizon=4, n_splits=2)
    result = backtest(NaiveForecaster(), None, monthly_series, cv=cv,
                      scoring=[max_error, scaled, "rmse"])
    by_dict = backtest(NaiveForecaster(), None, monthly_series, cv=cv,
                       scoring={"max_error": max_error, "scaled": scaled, "rmse": "rmse"})
    pd.testing.assert_frame_equal(result.scores, by_dict.scores)
    y = monthly_series.to_numpy()
    for k, (train, test) in enumerate(cv.split(y)):
        error = np.abs(y[test] - y[train[-1]])
        assert result.scores.loc[k, "max_error"] == pytest.approx(error.max())
        assert result.scores.loc[k, "scaled"] == pytest.approx(
            error.mean() / np.mean(np.abs(np.diff(y[train])))
        )
        assert result.scores.loc[k, "rmse"] == pytest.approx(np.sqrt(np.mean(error**2)))


def test_backtest_intervals(ragged_panel):
    cv = ForecastSplitter(horizon=3, n_splits=2)
    result = backtest(_WithIntervals(), None, ragged_panel, cv=cv, coverage=0.9,
                      scoring=["coverage", "interval_width", "mae"])
    table = result.forecasts
    # Quantiles 0.05 and 0.95: the forecast -/+ 4.5.
    np.testing.assert_allclose(table["lower"], table["forecast"] - 4.5)
    np.testing.assert_allclose(table["upper"], table["forecast"] + 4.5)
    np.testing.assert_allclose(result.scores["interval_width"], 9.0)
    for (k, name), row in result.series_scores.iterrows():
        part = table[(table["fold"] == k) & (table["series"] == name)]
        assert row["coverage"] == coverage(part["actual"], part["lower"], part["upper"])
    single = backtest(_WithIntervals(), None, ragged_panel["a"], cv=cv, coverage=0.5)
    np.testing.assert_allclose(single.forecasts["upper"] - single.forecasts["lower"], 5.0)


class _ShiftedByX(_WithIntervals):
    """The naive forecast plus the first covariate, and its quantiles around it."""

    def _predict(self, n_steps, X):
        return super()._predict(n_steps, X) + X[-n_steps:, :1]


def test_backtest_intervals_of_a_pipeline_see_its_covariates(monthly_series):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import FunctionTransformer

    X = pd.DataFrame({"x": np.arange(len(monthly_series), dtype=float)},
                     index=monthly_series.index)
    add_100 = FunctionTransformer(lambda frame: frame + 100.0)
    cv = ForecastSplitter(horizon=3, n_splits=2)
    # It failed with AttributeError: 'Pipeline' object has no attribute
    # 'predict_interval', after the first fold had been fitted.
    result = backtest(make_pipeline(add_100, _ShiftedByX()), X, monthly_series, cv=cv,
                      coverage=0.9)
    table = result.forecasts
    last = {k: monthly_series.loc[:cutoff].iloc[-1] for k, cutoff in
            table.groupby("fold")["cutoff"].first().items()}
    expected = table["fold"].map(last) + X.loc[table["time"], "x"].to_numpy() + 100.0
    np.testing.assert_allclose(table["forecast"], expected)
    np.testing.assert_allclose(table["lower"], expected - 4.5)
    np.testing.assert_allclose(table["upper"], expected + 4.5)
    # Through a target transform the bounds could come back out of order:
    # refused before any fit, as is a last step without intervals.
    logged = TransformedTargetRegressor(regressor=_WithIntervals(), func=np.log,
                                        inverse_func=np.exp)
    with pytest.raises(ValueError, match="through a TransformedTargetRegressor"):
        backtest(make_pipeline(logged), None, monthly_series, cv=cv, coverage=0.9)
    with pytest.raises(ValueError, match="LinearRegression has no predict_interval method"):
        from sklearn.linear_model import LinearRegression

        backtest(LinearRegression(), X, monthly_series, cv=cv, coverage=0.9)
    # Without coverage both run as before.
    assert len(backtest(logged, None, monthly_series, cv=cv).forecasts) == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"refit": 0}, r"'refit' parameter of backtest must be an instance of 'bool'.* Got 0"),
        ({"refit": "always"}, r"'refit' parameter .* or an int in the range .* Got 'always'"),
        ({"coverage": 1.5}, r"'coverage' parameter .* range \(0.0, 1.0\) or None\. Got 1.5"),
        ({"scoring": "mape"}, "Unknown metric 'mape' in scoring"),
        ({"scoring": ["coverage"]}, "'coverage' scores prediction intervals; pass coverage="),
        ({"scoring": []}, "scoring is empty"),
        ({"scoring": [mase_scorer]}, "scoring holds a scikit-learn scorer"),
        ({"scoring": {"mae": "neg_mean_absolute_error"}}, "Unknown metric"),
        ({"cv": "five"}, "cv must be None, an integer"),
        ({"cv": KeyError}, "cv must be None, an integer"),
        # n_jobs, scoring's type and verbose reached joblib or a loop unchecked.
        ({"n_jobs": 0}, r"'n_jobs' parameter of backtest must be an int in the range "
                        r"\(-inf, -1\], an int in the range \[1, inf\) or None. Got 0"),
        ({"n_jobs": "x"}, r"'n_jobs' parameter of backtest .* Got 'x' instead"),
        ({"n_jobs": 1.5}, r"'n_jobs' parameter of backtest .* Got 1.5 instead"),
        ({"n_jobs": True}, r"'n_jobs' parameter of backtest .* Got True instead"),
        ({"scoring": None}, r"'scoring' parameter of backtest must be a metric name \(str\), a "
                            r"callable metric\(y_true, y_pred\), a sequence of these or a dict "
                            r"\{name: metric\}. Got None instead"),
        ({"scoring": 5}, r"'scoring' parameter of backtest must be a metric name .* Got 5"),
        ({"scoring": [5]}, "scoring entry 5 must be a metric name or a callable"),
        ({"verbose": "yes"},
         r"'verbose' parameter of backtest must be an int in the range \[0, inf\), an instance "
         r"of 'bool'"),
    ],
)
def test_backtest_bad_arguments(monthly_series, kwargs, match):
    kwargs.setdefault("cv", ForecastSplitter(horizon=4, n_splits=2))
    with pytest.raises(ValueError, match=match):
        backtest(NaiveForecaster(), None, monthly_series, **kwargs)


def test_backtest_accepts_numpy_n_jobs_and_flags(monthly_series):
    cv = ForecastSplitter(horizon=4, n_splits=2)
    plain = backtest(NaiveForecaster(), None, monthly_series, cv=cv)
    numpy = backtest(NaiveForecaster(), None, monthly_series, cv=cv, n_jobs=np.int64(1),
                     verbose=np.bool_(False))
    pd.testing.assert_frame_equal(plain.forecasts, numpy.forecasts)
    # scikit-learn's integer verbosity too (a bool-only rule refused it).
    for level in (0, 1):
        quiet = backtest(NaiveForecaster(), None, monthly_series, cv=cv, verbose=level)
        pd.testing.assert_frame_equal(plain.forecasts, quiet.forecasts)


def test_backtest_errors_name_the_fold(monthly_series):
    cv = ForecastSplitter(horizon=4, n_splits=2, min_train_size=5)
    with pytest.raises(ValueError, match=r"Fold 0 \(cutoff 2015-05-01.*needs at least 12"):
        backtest(NaiveForecaster(strategy="seasonal"), None, monthly_series.iloc[:13], cv=cv)
    with pytest.raises(ValueError, match="backtest needs y"):
        backtest(NaiveForecaster(), None, None, cv=cv)
    shuffled = [(np.arange(10), np.array([20, 12]))]
    with pytest.raises(ValueError, match="Fold 0 of cv is not a forecasting fold"):
        backtest(NaiveForecaster(), None, monthly_series, cv=shuffled_cv(shuffled))


def shuffled_cv(folds):
    class _Fixed:
        def split(self, X, y=None, groups=None):
            yield from folds

    return _Fixed()


def test_backtest_verbose_shows_a_progress_bar(monthly_series, capsys):
    pytest.importorskip("tqdm")
    cv = ForecastSplitter(horizon=4, n_splits=3)
    quiet = backtest(NaiveForecaster(), None, monthly_series, cv=cv)
    loud = backtest(NaiveForecaster(), None, monthly_series, cv=cv, verbose=True)
    assert "3/3" in capsys.readouterr().err
    pd.testing.assert_frame_equal(quiet.forecasts, loud.forecasts)


# --------------------------------------------------------------- neural search
@pytest.mark.slow
# loky may restart the workers left idle by an earlier n_jobs=2 test; harmless.
@pytest.mark.filterwarnings("ignore:A worker stopped while some jobs:UserWarning")
def test_grid_search_lstm_end_to_end(monthly_series, zero_X):
    from seqforecast.neural import LSTMForecaster

    tiny = LSTMForecaster(hidden_size=4, max_epochs=2, windows_per_epoch=64, lookback=8,
                          horizon=4, random_state=0)
    search = GridSearchCV(tiny, {"cell": ["lstm", "gru"]},
                          cv=ForecastSplitter(horizon=4, n_splits=2),
                          scoring=mase_scorer, n_jobs=2).fit(zero_X, monthly_series)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert search.best_params_["cell"] in ("lstm", "gru")
    # Refitted on the whole series, the best model forecasts the next horizon.
    assert search.best_estimator_.forecast(4).index[0] == pd.Timestamp("2020-01-01")


def test_backtest_result_repr_counts_the_series_of_every_layout():
    from seqforecast import load_airpassengers

    y = load_airpassengers().astype(float)
    cv = ForecastSplitter(horizon=6, n_splits=2)
    long = pd.concat({"a": y, "b": 2 * y}, names=["series", "time"])
    # A long result's actuals are a Series: repr raised IndexError.
    assert "n_folds=2, n_series=2," in repr(backtest(NaiveForecaster(), None, long, cv=cv))
    assert "n_series=1," in repr(backtest(NaiveForecaster(), None, y, cv=cv))
    wide = pd.DataFrame({"a": y, "b": 2 * y, "c": 3 * y})
    assert "n_series=3," in repr(backtest(NaiveForecaster(), None, wide, cv=cv))


# --------------------------------------------------------------- static features
def test_backtest_gives_static_features_to_every_fit(levels_panel, tiny_lstm):
    from sklearn.base import clone

    from seqforecast.transformers import CalendarFeatures

    y, static = levels_panel
    cv = ForecastSplitter(horizon=3, n_splits=2)
    model = tiny_lstm
    pipe = make_pipeline(CalendarFeatures(features=("month",)), model)
    got = backtest(model, None, y, cv=cv, static_features=static)
    got_pipe = backtest(pipe, pd.DataFrame(index=y.index), y, cv=cv, static_features=static)
    for k, (train, test) in enumerate(cv.split(y)):
        future = pd.DataFrame(index=y.index[test])
        expected = clone(model).fit(None, y.iloc[train], static_features=static).predict(future)
        by_hand = clone(pipe).fit(
            future.reindex(y.index[train]), y.iloc[train], lstmforecaster__static_features=static
        ).predict(future)
        for result, hand in ((got, expected), (got_pipe, by_hand)):
            fold = result.forecasts[result.forecasts["fold"] == k]
            table = fold.pivot(index="time", columns="series", values="forecast")
            np.testing.assert_allclose(table[list(y.columns)].to_numpy(), hand.to_numpy())
    # The features reach the network: without them the forecasts differ.
    without = backtest(model, None, y, cv=cv)
    assert np.abs(without.forecasts["forecast"] - got.forecasts["forecast"]).max() > 1e-3
    # A long panel with the same features (by id) gives the same forecasts.
    long = y.stack().swaplevel().sort_index().rename_axis(["series", "time"])
    got_long = backtest(model, None, long, cv=cv, static_features=static)
    np.testing.assert_allclose(
        got_long.forecasts.sort_values(["fold", "series", "step"])["forecast"],
        got.forecasts.sort_values(["fold", "series", "step"])["forecast"],
    )


def test_backtest_refuses_static_features_nothing_reads_before_any_fit(levels_panel, tiny_lstm):
    from sklearn.linear_model import Ridge

    y, static = levels_panel
    fitted = []

    class Counting(Ridge):
        def fit(self, X, y, sample_weight=None):
            fitted.append(1)
            return super().fit(X, y, sample_weight)

    with pytest.raises(ValueError, match=r"Counting.fit takes none; give them to a seqforecast"):
        backtest(make_pipeline(StandardScaler(), Counting()), pd.DataFrame(index=y.index), y,
                 cv=ForecastSplitter(horizon=3, n_splits=2), static_features=static)
    assert not fitted
    # A missing series is named, with its fold.
    with pytest.raises(ValueError, match=r"Fold 0 .*static_features has no row for series 'b'"):
        backtest(tiny_lstm, None, y, cv=ForecastSplitter(horizon=3, n_splits=2),
                 static_features=static.drop(index="b"))


def test_cross_validate_passes_static_features_like_backtest(levels_panel, tiny_lstm):
    # sklearn passes fit params whose length is not the number of rows as
    # they are: one row per series reaches every fold's fit whole.
    y, static = levels_panel
    X = pd.DataFrame(index=y.index)
    cv = ForecastSplitter(horizon=3, n_splits=2)
    scores = cross_validate(tiny_lstm, X, y, cv=cv, scoring=mase_scorer,
                            params={"static_features": static})["test_score"]
    result = backtest(tiny_lstm, X, y, cv=cv, scoring=("mase",), static_features=static)
    np.testing.assert_allclose(-scores, result.scores["mase"], rtol=1e-12)
    plain = cross_validate(tiny_lstm, X, y, cv=cv, scoring=mase_scorer)["test_score"]
    assert not np.allclose(scores, plain)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_fold_that_cannot_be_scored_stops_the_backtest_before_the_other_fits(tmp_path, n_jobs):
    # Store "b" has 2 monthly values before the first cutoff: too few for the
    # MASE scale of lag 12, which the scoring reads from the monthly index.
    # Each fold is scored as it arrives, so the error comes after fold 0,
    # not after every fold has been fitted.
    log = tmp_path / "fits"

    class Logged(NaiveForecaster):
        def _fit(self, y, X):
            with open(log, "a") as f:
                f.write("fit\n")
            return super()._fit(y, X)

    rng = np.random.default_rng(0)
    a = pd.Series(rng.normal(size=60), index=pd.date_range("2015-01", periods=60, freq="MS"))
    b = pd.Series(rng.normal(size=18), index=pd.date_range("2019-07", periods=18, freq="MS"))
    y = pd.concat({"a": a, "b": b}, names=["series", "time"])
    cv = ForecastSplitter(horizon=2, n_splits=8)  # fold 0: 2 training values of "b"
    with pytest.raises(ValueError, match=r"Scoring fold 0 .*Series 'b' of y_train has 2 "
                       r"observations .* needs at least 13\. Leave the scaled metrics out"):
        backtest(Logged(), None, y, cv=cv, n_jobs=n_jobs)
    if n_jobs is None:  # in parallel, the folds already dispatched may finish
        assert log.read_text().split() == ["fit"]
    # Without the scaled metric, every fold is scored.
    assert len(backtest(Logged(), None, y, cv=cv, scoring=("smape",)).scores) == 8


def test_static_features_reach_the_forecaster_through_every_wrapper(levels_panel, tiny_lstm):
    import sklearn
    from sklearn.base import clone
    from sklearn.compose import TransformedTargetRegressor

    from seqforecast.transformers import CalendarFeatures

    y, static = levels_panel
    X = pd.DataFrame(index=y.index)
    cv = ForecastSplitter(horizon=3, n_splits=1)
    (train, test), = cv.split(y)
    # A target transform around a pipeline: y reaches the network as an
    # array, so the frame's rows go by position (in y's column order).
    inner = make_pipeline(CalendarFeatures(features=("month",)), tiny_lstm)
    model = TransformedTargetRegressor(regressor=inner, func=np.log1p, inverse_func=np.expm1,
                                       check_inverse=False)
    got = backtest(model, X, y, cv=cv, static_features=static)
    by_hand = clone(model).fit(X.iloc[train], y.iloc[train],
                               lstmforecaster__static_features=static.loc[list(y.columns)]
                               .to_numpy()).predict(X.iloc[test])
    table = got.forecasts.pivot(index="time", columns="series", values="forecast")
    np.testing.assert_allclose(table[list(y.columns)].to_numpy(), np.asarray(by_hand))
    # With scikit-learn's metadata routing on, a pipeline routes them by request.
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(CalendarFeatures(features=("month",)),
                               clone(tiny_lstm).set_fit_request(static_features=True))
        got = backtest(routed, X, y, cv=cv, static_features=static)
        expected = clone(routed).fit(X.iloc[train], y.iloc[train], static_features=static)
        table = got.forecasts.pivot(index="time", columns="series", values="forecast")
        np.testing.assert_allclose(table[list(y.columns)].to_numpy(),
                                   np.asarray(expected.predict(X.iloc[test])))


def test_static_features_a_model_ignores_warn_once_at_the_users_line(levels_panel):
    y, static = levels_panel
    with pytest.warns(UserWarning, match="NaiveForecaster fits each series on its own") as caught:
        backtest(NaiveForecaster(), None, y, cv=ForecastSplitter(horizon=3, n_splits=4),
                 static_features=static)
    ignored = [w for w in caught if "static features are ignored" in str(w.message)]
    assert len(ignored) == 1 and ignored[0].filename == __file__
