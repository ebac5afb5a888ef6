"""Tests of seqforecast.transformers: values by hand, sklearn conformance."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from seqforecast.base import BaseForecaster
from seqforecast.transformers import CalendarFeatures, LagFeatures

_NO_TIME_INDEX = (
    "the check passes a numpy array; CalendarFeatures needs a DataFrame with a time index"
)
CALENDAR_EXPECTED_FAILED_CHECKS = {
    name: _NO_TIME_INDEX
    for name in [
        "check_complex_data",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_empty_data_messages",
        "check_estimators_fit_returns_self",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_estimators_pickle(readonly_memmap=True)",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_general(readonly_memmap=True)",
        "check_transformer_preserve_dtypes",
    ]
}
LAG_EXPECTED_FAILED_CHECKS = {
    "check_methods_sample_order_invariance": "a lag reads an earlier row: row order matters",
    "check_methods_subset_invariance": "the lags of a subset's first rows lie outside it",
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, CalendarFeatures):
        return CALENDAR_EXPECTED_FAILED_CHECKS
    return LAG_EXPECTED_FAILED_CHECKS


@parametrize_with_checks(
    [CalendarFeatures(), LagFeatures(), LagFeatures(lags=[1, 3], keep_original=False)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def frame(index, **columns):
    return pd.DataFrame(columns, index=index)


# ------------------------------------------------------------ CalendarFeatures
def test_month_is_encoded_on_the_unit_circle():
    X = frame(pd.date_range("2023-01-01", periods=12, freq="MS"))
    out = CalendarFeatures().fit_transform(X)
    assert list(out.columns) == ["month_sin", "month_cos"]
    months = np.arange(12)
    np.testing.assert_allclose(out["month_sin"], np.sin(2 * np.pi * months / 12), atol=1e-12)
    np.testing.assert_allclose(out["month_cos"], np.cos(2 * np.pi * months / 12), atol=1e-12)
    # By hand: January (0, 1), April (1, 0), July (0, -1), October (-1, 0).
    quarter_starts = out.iloc[[0, 3, 6, 9]].to_numpy()
    np.testing.assert_allclose(quarter_starts, [[0, 1], [1, 0], [0, -1], [-1, 0]], atol=1e-12)


def test_each_feature_by_hand():
    index = pd.DatetimeIndex(["2023-02-15 06:45", "2024-12-31 18:15", "2023-07-02 00:00"])
    names = ["quarter", "dayofweek", "dayofmonth", "dayofyear", "hour", "minute"]
    out = CalendarFeatures(features=names).fit_transform(frame(index))
    phases = {
        "quarter": [0, 3 / 4, 2 / 4],
        # Wednesday, Tuesday, Sunday (Monday = 0).
        "dayofweek": [2 / 7, 1 / 7, 6 / 7],
        # February 2023 has 28 days, December 31, July 31.
        "dayofmonth": [14 / 28, 30 / 31, 1 / 31],
        # 2024 is a leap year.
        "dayofyear": [45 / 365, 365 / 366, 182 / 365],
        "hour": [6 / 24, 18 / 24, 0],
        "minute": [45 / 60, 15 / 60, 0],
    }
    for name, phase in phases.items():
        np.testing.assert_allclose(out[f"{name}_sin"], np.sin(2 * np.pi * np.array(phase)))
        np.testing.assert_allclose(out[f"{name}_cos"], np.cos(2 * np.pi * np.array(phase)))
    # Mid-February 2023 is half-way through its month; 06:00 a quarter of the day.
    first = out.loc[index[0]]
    np.testing.assert_allclose(first[["dayofmonth_sin", "dayofmonth_cos"]], [0, -1], atol=1e-12)
    np.testing.assert_allclose(first[["hour_sin", "hour_cos"]], [1, 0], atol=1e-12)
    # 45 minutes: three quarters of the hour.
    np.testing.assert_allclose(first[["minute_sin", "minute_cos"]], [-1, 0], atol=1e-12)


def test_ordinal_encoding():
    index = pd.DatetimeIndex(["2023-02-15 06:45", "2024-12-31 18:15"])
    names = ["month", "quarter", "dayofweek", "dayofmonth", "dayofyear", "hour", "minute"]
    out = CalendarFeatures(features=names, encoding="ordinal").fit_transform(frame(index))
    assert list(out.columns) == names
    expected = [[2, 1, 2, 15, 46, 6, 45], [12, 4, 1, 31, 366, 18, 15]]
    np.testing.assert_array_equal(out.to_numpy(), expected)
    assert (out.dtypes == np.float64).all()


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("YS", []),
        ("QS", ["quarter"]),
        ("MS", ["month"]),
        ("ME", ["month"]),
        ("W-SUN", ["dayofyear"]),
        ("D", ["dayofweek", "dayofyear"]),
        ("B", ["dayofweek", "dayofyear"]),
        ("h", ["hour", "dayofweek"]),
        ("15min", ["minute", "hour", "dayofweek"]),
    ],
)
def test_auto_features_follow_the_frequency(freq, expected):
    X = frame(pd.date_range("2020-01-01", periods=40, freq=freq))
    assert CalendarFeatures().fit(X).features_ == expected
    # Without a freq attribute, the step is read from the timestamps.
    X_nofreq = frame(pd.DatetimeIndex(list(X.index)))
    assert CalendarFeatures().fit(X_nofreq).features_ == expected


def test_period_index_is_placed_at_period_start():
    X = frame(pd.period_range("2023-01", periods=4, freq="M"), temp=[1.0, 2, 3, 4])
    out = CalendarFeatures().fit_transform(X)
    assert out.index.equals(X.index)
    assert list(out.columns) == ["temp", "month_sin", "month_cos"]
    np.testing.assert_allclose(out["month_sin"], np.sin(2 * np.pi * np.arange(4) / 12))
    # A single period still has a frequency.
    assert CalendarFeatures().fit(X.iloc[:1]).features_ == ["month"]


def test_features_fixed_in_fit_apply_to_a_short_future():
    train = frame(pd.date_range("2024-01-01", periods=60, freq="D"), temp=np.arange(60.0))
    calendar = CalendarFeatures().fit(train)
    future = frame(pd.date_range("2024-03-01", periods=1, freq="D"), temp=[5.0])
    out = calendar.transform(future)
    expected = ["temp", "dayofweek_sin", "dayofweek_cos", "dayofyear_sin", "dayofyear_cos"]
    assert list(out.columns) == expected
    assert list(calendar.get_feature_names_out()) == expected
    assert out.index.equals(future.index)
    assert out["temp"].iloc[0] == 5.0


def test_keep_original_false_drops_x_columns():
    X = frame(pd.date_range("2024-01-01", periods=3, freq="MS"), temp=[1.0, 2, 3])
    calendar = CalendarFeatures(keep_original=False).fit(X)
    assert list(calendar.transform(X).columns) == ["month_sin", "month_cos"]
    assert list(calendar.get_feature_names_out()) == ["month_sin", "month_cos"]


def test_timezone_gives_local_hours():
    utc = pd.date_range("2024-01-01 23:00", periods=2, freq="h", tz="UTC")
    index = utc.tz_convert("Asia/Tokyo")
    out = CalendarFeatures(features=["hour"], encoding="ordinal").fit_transform(frame(index))
    np.testing.assert_array_equal(out["hour"], [8, 9])


@pytest.mark.parametrize("output", [None, "default", "pandas"])
def test_dataframe_output_keeps_the_index_in_every_output_config(output):
    X = frame(pd.date_range("2024-01-01", periods=5, freq="MS"), temp=np.arange(5.0))
    calendar = CalendarFeatures()
    if output is not None:
        calendar.set_output(transform=output)
    for out in (calendar.fit_transform(X), calendar.fit(X).transform(X)):
        assert isinstance(out, pd.DataFrame)
        assert out.index.equals(X.index)
        assert list(out.columns) == list(calendar.get_feature_names_out())


def test_pipeline_with_linear_regression_learns_a_seasonal_pattern():
    index = pd.date_range("2015-01-01", periods=72, freq="MS")
    phase = 2 * np.pi * (index.month - 1) / 12
    y = 10 + 3 * np.sin(phase) - 2 * np.cos(phase)
    X = frame(index)
    model = make_pipeline(CalendarFeatures(), LinearRegression()).fit(X, y)
    np.testing.assert_allclose(model[-1].coef_, [3, -2], atol=1e-10)
    future = frame(pd.date_range("2021-01-01", periods=12, freq="MS"))
    np.testing.assert_allclose(model.predict(future), y[:12], atol=1e-10)


def test_pipeline_output_keeps_the_index_through_later_steps():
    X = frame(pd.date_range("2024-01-01", periods=48, freq="h"), temp=np.arange(48.0))
    pipe = make_pipeline(CalendarFeatures(), StandardScaler()).set_output(transform="pandas")
    out = pipe.fit_transform(X)
    assert out.index.equals(X.index)
    assert list(out.columns)[:3] == ["temp", "hour_sin", "hour_cos"]


class _CovariateRegression(BaseForecaster):
    """A forecaster that regresses y on the covariates (for the pipeline test)."""

    def _fit(self, y, X):
        self.model_ = LinearRegression().fit(X, y)

    def _predict(self, n_steps, X):
        return self.model_.predict(X).reshape(n_steps, -1)


def test_pipeline_before_a_forecaster_keeps_the_time_index():
    index = pd.date_range("2015-01-01", periods=60, freq="MS")
    df = pd.DataFrame({"target": 5 + np.cos(2 * np.pi * (index.month - 1) / 12)}, index=index)
    X, y = df.drop(columns="target"), df["target"]
    model = make_pipeline(CalendarFeatures(), _CovariateRegression()).fit(X[:48], y[:48])
    pred = model.predict(X[48:])
    assert isinstance(pred, pd.Series)
    assert pred.index.equals(index[48:])
    np.testing.assert_allclose(pred, y[48:], atol=1e-10)
    # The forecaster aligns X with the history through the index: a future
    # that does not start after the history is rejected.
    with pytest.raises(ValueError, match="inside the history"):
        model.predict(X[40:])


def test_calendar_needs_a_time_index():
    calendar = CalendarFeatures()
    with pytest.raises(ValueError, match=r"DatetimeIndex or PeriodIndex.*got ndarray"):
        calendar.fit(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="got a DataFrame indexed by RangeIndex"):
        calendar.fit(pd.DataFrame({"a": [1.0, 2.0]}))
    calendar.fit(frame(pd.date_range("2024-01-01", periods=3, freq="D")))
    with pytest.raises(ValueError, match="got a DataFrame indexed by Index"):
        calendar.transform(pd.DataFrame(index=pd.Index(["a", "b"])))
    with pytest.raises(ValueError, match="single timestamp and no freq"):
        calendar.fit(frame(pd.DatetimeIndex(["2024-01-01"])))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"features": "monthly"}, r"'features' parameter of CalendarF.* str among \{'auto'\}"),
        ({"features": ["month", "week"]}, r"'features' .* Got \['month', 'week'\] instead"),
        ({"features": ["month", "month"]}, r"'features' .* distinct"),
        ({"encoding": "onehot"}, r"'encoding' .* str among .* Got 'onehot'"),
        ({"keep_original": "yes"}, r"'keep_original' .* 'bool'.* Got 'yes' instead"),
    ],
)
def test_calendar_invalid_parameters(params, match):
    X = frame(pd.date_range("2024-01-01", periods=3, freq="D"))
    with pytest.raises(ValueError, match=match):
        CalendarFeatures(**params).fit(X)


def test_calendar_checks_columns_against_fit():
    index = pd.date_range("2024-01-01", periods=3, freq="D")
    calendar = CalendarFeatures().fit(frame(index, temp=[1.0, 2, 3]))
    with pytest.raises(ValueError, match="feature names"):
        calendar.transform(frame(index, rain=[1.0, 2, 3]))


@pytest.mark.parametrize(
    "transformer", [CalendarFeatures(encoding="ordinal"), LagFeatures(lags=[1, 2])]
)
def test_pickle_and_clone(transformer):
    X = frame(pd.date_range("2024-01-01", periods=6, freq="D"), temp=np.arange(6.0))
    fitted = clone(transformer).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(restored.transform(X), fitted.transform(X))
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params()
    assert not hasattr(cloned, "n_features_in_")


# ----------------------------------------------------------------- LagFeatures
def test_lags_by_hand():
    X = np.array([[1.0, 10], [2, 20], [3, 30], [4, 40]])
    lags = LagFeatures(lags=[3, 1]).fit(X)
    out = lags.transform(X)
    nan = np.nan
    expected_lags = [
        [nan, nan, nan, nan],
        [1, nan, 10, nan],
        [2, nan, 20, nan],
        [3, 1, 30, 10],
    ]
    np.testing.assert_array_equal(out, np.hstack([X, expected_lags]))
    names = ["x0", "x1", "x0_lag1", "x0_lag3", "x1_lag1", "x1_lag3"]
    assert list(lags.get_feature_names_out()) == names


def test_lags_match_pandas_shift():
    rng = np.random.default_rng(0)
    X = frame(pd.date_range("2024-01-01", periods=20, freq="D"),
              temp=rng.normal(size=20), rain=rng.normal(size=20))
    out = LagFeatures(lags=(1, 2, 5), columns=["rain"]).fit_transform(X)
    expected = X.assign(**{f"rain_lag{k}": X["rain"].shift(k) for k in (1, 2, 5)})
    pd.testing.assert_frame_equal(out, expected)


def test_columns_by_position_fill_value_and_no_original():
    X = np.arange(12.0).reshape(4, 3)
    lags = LagFeatures(lags=2, columns=[2], fill_value=-1.0, keep_original=False).fit(X)
    np.testing.assert_array_equal(lags.transform(X), [[-1], [-1], [2], [5]])
    assert list(lags.get_feature_names_out()) == ["x2_lag2"]
    np.testing.assert_array_equal(lags.lags_, [2])


def test_lags_are_sorted_and_deduplicated():
    lags = LagFeatures(lags=[3, 1, 3]).fit(np.ones((5, 1)))
    np.testing.assert_array_equal(lags.lags_, [1, 3])


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2024-01-01", periods=12, freq="D"),
        pd.period_range("2024-01", periods=12, freq="M"),
        pd.RangeIndex(12),
        pd.Index(np.arange(100, 124, 2)),
    ],
    ids=["datetime", "period", "range", "int-step-2"],
)
def test_future_rows_continue_from_training(index):
    rng = np.random.default_rng(1)
    X = frame(index, temp=rng.normal(size=12), rain=rng.normal(size=12))
    train, future = X.iloc[:8], X.iloc[8:]
    lags = LagFeatures(lags=[1, 3]).fit(train)
    # Reference: lags computed on the whole, unsplit covariates.
    expected = LagFeatures(lags=[1, 3]).fit_transform(X).iloc[8:]
    pd.testing.assert_frame_equal(lags.transform(future), expected)


def test_no_continuation_without_a_continuing_index():
    index = pd.date_range("2024-01-01", periods=12, freq="D")
    X = frame(index, temp=np.arange(12.0))
    lags = LagFeatures(lags=[1]).fit(X.iloc[:8])
    # A gap of one day: the previous row is unknown.
    assert np.isnan(lags.transform(X.iloc[9:])["temp_lag1"].iloc[0])
    # The training rows themselves, and plain arrays, are not continuations.
    assert np.isnan(lags.transform(X.iloc[:8])["temp_lag1"].iloc[0])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert np.isnan(lags.transform(X.iloc[8:].to_numpy())[0, 1])
    # An irregular training index cannot be continued.
    irregular_index = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05"])
    irregular = frame(irregular_index, temp=[1.0, 2, 3])
    lags = LagFeatures().fit(irregular)
    assert lags.history_index_ is None
    future = frame(pd.DatetimeIndex(["2024-01-06"]), temp=[4.0])
    assert np.isnan(lags.transform(future)["temp_lag1"].iloc[0])


def test_history_shorter_than_the_largest_lag_is_padded():
    index = pd.RangeIndex(6)
    X = frame(index, temp=np.arange(6.0))
    lags = LagFeatures(lags=[1, 3], fill_value=0.0).fit(X.iloc[:2])
    np.testing.assert_array_equal(lags.history_, [[0.0], [0.0], [1.0]])
    out = lags.transform(X.iloc[2:])
    np.testing.assert_array_equal(out["temp_lag1"], [1, 2, 3, 4])
    np.testing.assert_array_equal(out["temp_lag3"], [0, 0, 1, 2])


def cross_val_predict_ts(model, X, y, cv):
    """Out-of-sample predictions of the test folds, in time order."""
    rows = X.iloc if isinstance(X, pd.DataFrame) else X
    preds = [
        clone(model).fit(rows[train], y[train]).predict(rows[test]) for train, test in cv.split(X)
    ]
    return np.concatenate(preds)


def test_time_series_split_scores_use_the_training_tail():
    # y_t = 2 x_{t-1}: exact only if each test fold's first lag comes from
    # the end of its training fold.
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = 2 * np.concatenate([[0.0], x[:-1]])
    X = pd.DataFrame({"x": x})
    model = make_pipeline(LagFeatures(fill_value=0.0, keep_original=False), LinearRegression())
    cv = TimeSeriesSplit(n_splits=3)
    np.testing.assert_allclose(cross_val_predict_ts(model, X, y, cv), y[15:], atol=1e-10)
    # With arrays there is no index to continue, so the first row of each
    # test fold gets fill_value instead of the true lag.
    pred = cross_val_predict_ts(model, X.to_numpy(), y, cv)
    first_rows = [test[0] - 15 for _, test in cv.split(X)]
    np.testing.assert_allclose(pred[first_rows], 0.0, atol=1e-10)


def test_zero_column_frame_is_passed_through():
    X = frame(pd.date_range("2024-01-01", periods=3, freq="D"))
    lags = LagFeatures(lags=[1, 2])
    out = lags.fit_transform(X)
    assert out.shape == (3, 0) and out.index.equals(X.index)
    with pytest.raises(ValueError, match="0 feature"):
        LagFeatures().fit(np.empty((3, 0)))


def test_set_output_pandas_names_the_columns_of_arrays():
    lags = LagFeatures(lags=[1]).set_output(transform="pandas")
    out = lags.fit_transform(np.arange(6.0).reshape(3, 2))
    assert list(out.columns) == ["x0", "x1", "x0_lag1", "x1_lag1"]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lags": 0}, r"'lags' parameter of LagFeatures must be an int in .* Got 0"),
        ({"lags": []}, r"'lags' .* Got \[\] instead"),
        ({"lags": [1, 2.5]}, r"'lags' .* Got \[1, 2.5\] instead"),
        ({"lags": "1"}, r"'lags' .* Got '1' instead"),
        ({"lags": True}, r"'lags' .* Got True instead"),
        ({"fill_value": "zero"}, r"'fill_value' .* Got 'zero' instead"),
        ({"keep_original": 1}, r"'keep_original' .* Got 1 instead"),
        ({"columns": ["snow"]}, r"names 'snow', which is not a column of X; available: \['temp'\]"),
        ({"columns": [3]}, r"names 3, which is not a column of X"),
        ({"fill_value": True}, r"'fill_value' parameter of LagFeatures must be a number "
                               r"\(a float, NaN by default\), not a bool. Got True instead"),
    ],
)
def test_lag_invalid_parameters(params, match):
    X = frame(pd.RangeIndex(3), temp=[1.0, 2, 3])
    with pytest.raises(ValueError, match=match):
        LagFeatures(**params).fit(X)


def test_lag_columns_refuse_bools_and_repeats():
    # True is an int to Python: it lagged the column at position 1 ('rain'),
    # and a repeated column was blamed on X's columns.
    X = frame(pd.RangeIndex(3), temp=[1.0, 2, 3], rain=[10.0, 20, 30])
    with pytest.raises(ValueError, match=r"'columns' parameter of LagFeatures must list column "
                                         r"names \(str\) or positions \(int\), not bools. "
                                         r"Got True in \[True\]"):
        LagFeatures(columns=[True]).fit_transform(X)
    for columns in (["temp", "temp"], [0, 0], ["temp", 0]):
        with pytest.raises(ValueError, match=r"'columns' parameter of LagFeatures repeats "
                                             r"'temp'; name each column to lag once"):
            LagFeatures(columns=columns, keep_original=False).fit_transform(X)
    with pytest.raises(ValueError, match=r"repeats 1; name each column to lag once"):
        LagFeatures(columns=[1, 1]).fit(X.to_numpy())
    out = LagFeatures(columns=[np.int64(1)], keep_original=False).fit_transform(X)
    assert list(out.columns) == ["rain_lag1"]


# ----------------------------------------------------------- long panels
def _long(values, start, n, series=("s1", "s2")):
    index = pd.MultiIndex.from_product(
        [list(series), pd.date_range(start, periods=n, freq="W")], names=["series", "time"]
    )
    return pd.DataFrame({"promo": np.asarray(values, dtype=float)}, index=index)


def test_lags_of_a_long_panel_stay_within_each_series():
    X = _long([1, 2, 3, 10, 20, 30], "2024-01-07", 3)
    lags = LagFeatures(lags=[1, 2], fill_value=0.0)
    # Rows in any order: lagged in time order within each series, as pandas'
    # groupby shift does (a series used to take the previous one's values).
    out = lags.fit_transform(X.iloc[[4, 0, 5, 2, 3, 1]])
    expected = pd.concat(
        {f"promo_lag{k}": X["promo"].groupby(level=0).shift(k).fillna(0.0) for k in (1, 2)},
        axis=1,
    )
    pd.testing.assert_frame_equal(out[["promo_lag1", "promo_lag2"]],
                                  expected.loc[out.index])
    # The future of each series continues from its own training tail.
    future = _long([4, 5, 40, 50], "2024-01-28", 2).iloc[[2, 1, 0, 3]]
    out = lags.transform(future)
    assert out.loc[("s1", "2024-01-28"), ["promo_lag1", "promo_lag2"]].tolist() == [3, 2]
    assert out.loc[("s2", "2024-01-28"), ["promo_lag1", "promo_lag2"]].tolist() == [30, 20]
    assert out.loc[("s2", "2024-02-04"), ["promo_lag1", "promo_lag2"]].tolist() == [40, 30]
    # A series fit did not see, and one that does not continue its end, start
    # with fill_value.
    other = pd.concat([_long([7, 8], "2024-01-28", 2, series=("s3",)),
                       _long([9, 9], "2024-03-03", 2, series=("s1",))])
    out = lags.transform(other)
    assert out["promo_lag1"].tolist() == [0, 7, 0, 9]


def test_lags_refuse_a_layout_other_than_fits():
    lags = LagFeatures().fit(_long([1, 2, 3, 4], "2024-01-07", 2))
    with pytest.raises(ValueError, match="fitted on a long panel, but X is not indexed by"):
        lags.transform(pd.DataFrame({"promo": [1.0]}, index=pd.date_range("2024-01-21", periods=1)))


def test_calendar_features_of_a_long_panel_come_from_its_time_level():
    X = _long(np.arange(6), "2024-01-07", 3)
    weeks = frame(pd.date_range("2024-01-07", periods=3, freq="W"))
    calendar = CalendarFeatures(encoding="ordinal").fit(X)
    # Chosen from the panel's weekly grid (the series' boundaries are no step).
    single = CalendarFeatures(encoding="ordinal").fit(weeks)
    assert calendar.features_ == single.features_
    out = calendar.transform(X)
    for series in ("s1", "s2"):
        np.testing.assert_array_equal(out.loc[series].drop(columns="promo").to_numpy(),
                                      single.transform(weeks).to_numpy())


def test_auto_features_of_a_descending_index_follow_its_step():
    days = pd.date_range("2024-01-01", periods=20, freq="D")
    assert (CalendarFeatures().fit(frame(days[::-1])).features_
            == CalendarFeatures().fit(frame(days)).features_)


def test_future_rows_in_another_time_zone_continue_from_training():
    index = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    lags = LagFeatures().fit(frame(index, a=[1.0, 2.0, 3.0]))
    # 04:00 in Paris is 03:00 UTC, the step after the history: its lag is 3.
    following = pd.date_range("2024-01-01 03:00", periods=1, freq="h", tz="UTC")
    out = lags.transform(frame(following.tz_convert("Europe/Paris"), a=[4.0]))
    assert out["a_lag1"].tolist() == [3.0]


def test_an_empty_column_list_and_repeated_output_names_are_refused():
    index = pd.date_range("2024-01-01", periods=3, freq="MS")
    with pytest.raises(ValueError, match="'columns' parameter of LagFeatures is empty"):
        LagFeatures(columns=[]).fit(frame(index, a=[1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="X already has a column 'a_lag1', which LagFeatures"):
        LagFeatures().fit(frame(index, a=[1.0, 2.0, 3.0], a_lag1=[0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="X already has a column 'month_sin', which Calendar"):
        CalendarFeatures().fit(frame(index, month_sin=[1.0, 2.0, 3.0]))
    # Without X's own columns nothing is repeated.
    CalendarFeatures(keep_original=False).fit(frame(index, month_sin=[1.0, 2.0, 3.0]))


def test_calendar_features_follow_the_clock_of_fit():
    index = pd.date_range("2024-01-01", periods=48, freq="h", tz="Asia/Tokyo")
    calendar = CalendarFeatures(features=["hour"], encoding="ordinal").fit(frame(index))
    # The same instants in UTC: the hours of Tokyo, as in training.
    in_utc = calendar.transform(frame(index.tz_convert("UTC")))
    assert in_utc["hour"].tolist() == list(index.hour)
    with pytest.raises(ValueError, match="fitted on an index in time zone Asia/Tokyo but X's"):
        calendar.transform(frame(index.tz_localize(None)))


def test_two_level_indexes_that_are_not_series_and_time_keep_one_time_axis():
    # (date, store): lagged row by row, as before long panels were read.
    index = pd.MultiIndex.from_product(
        [pd.date_range("2024-01-01", periods=3), ["s1", "s2"]], names=["date", "store"])
    X = pd.DataFrame({"a": np.arange(6.0)}, index=index)
    assert LagFeatures(fill_value=0.0).fit_transform(X)["a_lag1"].tolist() == [0, 0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="got a DataFrame indexed by MultiIndex"):
        CalendarFeatures().fit(X)
    with pytest.raises(ValueError, match="got Series"):
        CalendarFeatures().fit(X["a"])


def test_lag_features_pickled_before_long_panels_still_transform():
    lags = LagFeatures().fit(frame(pd.date_range("2024-01-01", periods=3), a=[1.0, 2.0, 3.0]))
    for name in ("series_ids_", "series_history_", "series_next_"):
        delattr(lags, name)  # as a transformer fitted by an older seqforecast
    restored = pickle.loads(pickle.dumps(lags))
    out = restored.transform(frame(pd.date_range("2024-01-04", periods=1), a=[4.0]))
    assert out["a_lag1"].tolist() == [3.0]
