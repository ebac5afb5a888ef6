"""The forecaster contract of DESIGN.md §1, checked through NaiveForecaster.

"last" and "drift" forecasts are known in closed form, so alignment, gaps
and output wrapping can be checked against exact numbers.
"""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from seqforecast.base import BaseForecaster, seasonal_period_from_freq
from seqforecast.baselines import NaiveForecaster


def drift_series(n=24, freq="MS", start="2020-01-01"):
    index = pd.date_range(start, periods=n, freq=freq)
    return pd.Series(np.arange(n, dtype=float) * 2.0 + 1.0, index=index, name="y")


# --------------------------------------------------------------- output kinds
def test_series_in_series_out_indexed_by_X():
    y = drift_series()
    f = NaiveForecaster(strategy="drift").fit(None, y)
    X = pd.DataFrame(index=pd.date_range("2022-01-01", periods=3, freq="MS"))
    pred = f.predict(X)
    assert isinstance(pred, pd.Series)
    assert pred.name == "y"
    assert pred.index.equals(X.index)
    # The line through the history continues: 1 + 2 * t for t = 24, 25, 26.
    np.testing.assert_allclose(pred.to_numpy(), [49.0, 51.0, 53.0])


def test_array_in_array_out():
    y = np.arange(10, dtype=float)
    pred = NaiveForecaster().fit(None, y).predict(np.zeros((4, 0)))
    assert isinstance(pred, np.ndarray)
    np.testing.assert_array_equal(pred, [9.0] * 4)


def test_panel_in_frame_out_with_columns():
    y = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 10}, index=range(6))
    pred = NaiveForecaster().fit(None, y).predict(pd.DataFrame(index=range(6, 8)))
    assert isinstance(pred, pd.DataFrame)
    assert list(pred.columns) == ["a", "b"]
    np.testing.assert_array_equal(pred.to_numpy(), [[5.0, 50.0], [5.0, 50.0]])


def test_2d_array_panel_keeps_2d_even_with_one_series():
    y = np.arange(8.0).reshape(-1, 1)
    pred = NaiveForecaster().fit(None, y).predict(np.zeros((2, 0)))
    assert pred.shape == (2, 1)


def test_series_with_numpy_X_gets_future_index():
    y = drift_series(n=12)
    pred = NaiveForecaster().fit(np.zeros((12, 1)), y).predict(np.zeros((2, 1)))
    assert list(pred.index) == list(pd.date_range("2021-01-01", periods=2, freq="MS"))


def test_forecast_builds_future_index():
    y = drift_series(n=12, freq="QS")
    out = NaiveForecaster(strategy="drift").fit(None, y).forecast(3)
    assert list(out.index) == list(pd.date_range("2023-01-01", periods=3, freq="QS"))
    np.testing.assert_allclose(out, [25.0, 27.0, 29.0])


def test_forecast_without_index_uses_positions():
    out = NaiveForecaster().fit(None, np.arange(5.0)).forecast(2)
    assert list(out.index) == [5, 6]


def test_period_index_is_supported():
    index = pd.period_range("2000Q1", periods=8, freq="Q")
    y = pd.Series(np.arange(8.0), index=index)
    f = NaiveForecaster(strategy="seasonal").fit(None, y)
    assert f.seasonal_period_ == 4
    out = f.forecast(5)
    assert out.index[0] == pd.Period("2002Q1", freq="Q")
    np.testing.assert_array_equal(out, [4.0, 5.0, 6.0, 7.0, 4.0])


# -------------------------------------------------------------- gap / overlap
def test_gap_forecasts_through_and_drops_skipped_steps():
    y = drift_series()  # ends 2021-12
    f = NaiveForecaster(strategy="drift").fit(None, y)
    X = pd.DataFrame(index=pd.date_range("2022-03-01", periods=2, freq="MS"))
    # 2022-03 is 3 steps ahead: 1 + 2 * (23 + 3) = 53.
    np.testing.assert_allclose(f.predict(X).to_numpy(), [53.0, 55.0])


def test_gap_with_integer_index():
    y = pd.Series(np.arange(10.0), index=range(100, 110))
    f = NaiveForecaster(strategy="drift").fit(None, y)
    pred = f.predict(pd.DataFrame(index=range(112, 114)))
    np.testing.assert_allclose(pred, [12.0, 13.0])


def test_overlap_is_an_error():
    f = NaiveForecaster().fit(None, drift_series())
    X = pd.DataFrame(index=pd.date_range("2021-11-01", periods=3, freq="MS"))
    with pytest.raises(ValueError, match="inside the history that ends at 2021-12-01"):
        f.predict(X)


def test_other_frequency_is_an_error():
    f = NaiveForecaster().fit(None, drift_series())
    X = pd.DataFrame(index=pd.date_range("2022-01-01", periods=3, freq="D"))
    with pytest.raises(ValueError, match="not regularly spaced with the history's frequency"):
        f.predict(X)


def test_off_grid_start_is_an_error():
    f = NaiveForecaster().fit(None, drift_series())
    X = pd.DataFrame(index=pd.DatetimeIndex(["2022-01-15", "2022-02-15"]))
    with pytest.raises(ValueError, match="not on the history's time grid"):
        f.predict(X)


def test_index_type_mismatch_is_an_error():
    f = NaiveForecaster().fit(None, drift_series())
    with pytest.raises(ValueError, match="X is indexed by RangeIndex but the history by"):
        f.predict(pd.DataFrame(index=range(3)))


def test_gap_covariates_carry_last_observed_row():
    class Echo(BaseForecaster):
        """Forecasts the first covariate: shows which covariates reach _predict."""

        def _fit(self, y, X):
            return self

        def _predict(self, n_steps, X):
            return X[:, :1]

    index = pd.date_range("2020-01-01", periods=5, freq="D")
    X = pd.DataFrame({"x": np.arange(5.0)}, index=index)
    f = Echo().fit(X, pd.Series(np.zeros(5), index=index))
    X_future = pd.DataFrame({"x": [10.0, 11.0]}, index=pd.date_range("2020-01-08", periods=2))
    with pytest.warns(UserWarning, match="X starts 3 steps after the history's end"):
        captured = f.predict(X_future)
    np.testing.assert_array_equal(captured, [10.0, 11.0])


# --------------------------------------------------------------- bad input
def test_nan_inside_series_names_series_and_position():
    y = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match=r"Series 'a' of y has a NaN at position 2"):
        NaiveForecaster().fit(None, y)


@pytest.mark.parametrize("name, label", [("co2", "'co2'"), (None, "0")])
def test_nan_inside_a_series_names_it_by_its_name(name, label):
    y = pd.Series([1.0, np.nan, 3.0, 4.0], name=name)
    with pytest.raises(ValueError, match=rf"^Series {label} of y has a NaN at position 1 "):
        NaiveForecaster().fit(None, y)


def test_a_time_like_column_is_warned_about_at_the_users_line():
    # statsmodels' nile frame, read as a user would without setting its index.
    y = pd.DataFrame({"year": np.arange(1871.0, 1881.0),
                      "volume": [1120.0, 1160, 963, 1210, 1160, 1160, 813, 1230, 1370, 1140]})
    with pytest.warns(UserWarning, match=r"^column 'year' of y holds 1871, 1872, \.\.\. "
                                         r"like a time column") as caught:
        NaiveForecaster().fit(None, y)
    assert [w.filename for w in caught] == [__file__]
    # The advice works as written on the float years: an integer index.
    advice = "y.set_index(y['year'].astype(int)).drop(columns='year')"
    assert f"(e.g. {advice})" in str(caught[0].message)
    fixed = eval(advice)  # the message's own code
    assert list(fixed.index[:2]) == [1871, 1872] and list(fixed.columns) == ["volume"]
    assert NaiveForecaster().fit(None, fixed).forecast(2).index.tolist() == [1881, 1882]
    # Step numbers named t, in steps of 2; a written index read back.
    steps = pd.DataFrame({"t": [2, 4, 6, 8], "y": [1.0, 3.0, 2.0, 5.0]})
    with pytest.warns(UserWarning, match=r"column 't' of y holds 2, 4, \.\.\. like.*"
                                         r"\(e\.g\. y\.set_index\(y\['t'\]\.astype\(int\)\)"
                                         r"\.drop\(columns='t'\)\)"):
        NaiveForecaster().fit(None, steps)
    read_back = pd.read_csv(io.StringIO(pd.DataFrame({"y": [1.0, 3.0, 2.0]}).to_csv()))
    with pytest.warns(UserWarning, match=r"column 'Unnamed: 0' of y holds 0, 1, \.\.\. like"):
        NaiveForecaster().fit(None, read_back)
    # statsmodels' macrodata: each year repeated for its quarters, and the
    # quarter counting 1-4 (neither in equal steps).
    quarters = pd.DataFrame({"year": np.repeat([1959.0, 1960.0], 4),
                             "gdp": [2710.3, 2778.8, 2775.5, 2785.2,
                                     2847.7, 2834.4, 2839.0, 2802.6]})
    with pytest.warns(UserWarning, match=r"column 'year' of y holds 1959, 1959, \.\.\. like"):
        NaiveForecaster().fit(None, quarters)
    cycle = pd.DataFrame({"quarter": np.tile([1.0, 2, 3, 4], 2), "gdp": quarters["gdp"]})
    with pytest.warns(UserWarning, match=r"column 'quarter' of y holds 1, 2, \.\.\. like"):
        NaiveForecaster().fit(None, cycle)


def test_a_time_like_integer_column_is_warned_about_once_through_meta_forecasters():
    from seqforecast import ConformalForecaster, EnsembleForecaster, ThetaForecaster

    rng = np.random.default_rng(0)
    y = pd.DataFrame({"year": np.arange(1950, 2010),
                      "a": 10 + rng.normal(size=60).cumsum(),
                      "b": 20 + rng.normal(size=60).cumsum()})
    def advice(caught):
        return [str(w.message) for w in caught if "like a time column" in str(w.message)]

    # The inner fits see y as floats: they warned again with other advice.
    # (Each fit on its own line: a warning is shown once per line.)
    with warnings.catch_warnings(record=True) as conformal:
        warnings.simplefilter("default")
        ConformalForecaster(ThetaForecaster(), horizon=3, n_windows=5).fit(None, y)
    with warnings.catch_warnings(record=True) as ensemble:
        warnings.simplefilter("default")
        EnsembleForecaster([("theta", ThetaForecaster()), ("naive", NaiveForecaster())]).fit(
            None, y)
    for caught in (conformal, ensemble):
        assert advice(caught) == [
            "column 'year' of y holds 1950, 1951, ... like a time column, but every column of "
            "y is a series to forecast. If it is the time (or part of it), build y's index "
            "from it and drop the column (e.g. y.set_index(y['year'].astype(int))"
            ".drop(columns='year'))."]


@pytest.mark.parametrize("frame", [
    # Trends in equal steps not named like a time nor running through years,
    # uneven or fractional steps, a constant column, a series of one column,
    # NaN in the run.
    {"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8]},
    {"a": [2000.0, 2002, 2004, 2006], "b": [3.0, 1, 4, 1]},
    {"sales": [1.0, 2, 3, 4], "b": [3.0, 1, 4, 1]},
    {"a": [1.0, 2, 4, 5], "b": [3.0, 1, 4, 1]},
    {"a": [0.5, 1.0, 1.5, 2.0], "b": [3.0, 1, 4, 1]},
    {"a": [7.0, 7, 7, 7], "b": [3.0, 1, 4, 1]},
    {"year": [1990.0, 1991, 1992, 1993]},
    # A name that only contains a time word, and a frame already indexed by dates.
    {"holiday_orders": [3.0, 6, 9, 12], "b": [3.0, 1, 4, 1]},
    # Counts named by a time word that go up and down; a non-calendar name
    # that wraps.
    {"sales_per_day": [3.0, 6, 2, 12], "b": [3.0, 1, 4, 1]},
    {"t": [3.0, 6, 2, 12], "b": [3.0, 1, 4, 1]},
    {"store": [1.0, 2, 1, 2], "b": [3.0, 1, 4, 1]},
    pd.DataFrame({"t": [1.0, 2, 3, 4], "b": [3.0, 1, 4, 1]},
                 index=pd.date_range("2020-01-05", periods=4, freq="W")),
    {"a": [np.nan, 2, 3, 4], "b": [3.0, 1, 4, 1]},
])
def test_no_time_like_warning_for_series(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NaiveForecaster().fit(None, pd.DataFrame(frame))


def test_a_time_like_column_is_warned_about_once_through_wrappers():
    # Inner fits (conformal calibration, weighted ensembles, backtest folds)
    # repeat the same message at the same user line: Python shows it once.
    from seqforecast import ConformalForecaster

    y = pd.DataFrame({"year": np.arange(1871.0, 1911.0),
                      "volume": 1000 + 100 * np.sin(np.arange(40.0))})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=5).fit(None, y)
    timelike = [w for w in caught if "like a time column" in str(w.message)]
    assert len(timelike) == 1 and timelike[0].filename == __file__
    # Made an error, it is raised every time, not only the first.
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning, match="like a time column"):
                NaiveForecaster().fit(None, y)


def test_intervals_of_an_array_history_are_numbered_as_forecast_numbers_them():
    # predict_interval(array) was indexed 0..h-1 while forecast(h) numbers
    # the steps after the history (10, 11, 12): combining them misaligned.
    y = drift_series(n=10).to_numpy()
    model = NaiveForecaster(strategy="drift").fit(None, y)
    forecast = model.forecast(3)
    bounds = model.predict_interval(np.empty((3, 0)), coverage=0.8)
    assert forecast.index.tolist() == bounds.index.tolist() == [10, 11, 12]
    assert forecast.between(bounds["lower"], bounds["upper"]).all()
    assert isinstance(model.predict(np.empty((3, 0))), np.ndarray)


def test_update_with_no_new_rows_says_so_and_changes_nothing():
    y = drift_series(n=10)
    model = NaiveForecaster(strategy="drift").fit(None, y)
    before = model.forecast(2)
    for empty in (y.iloc[:0], y.to_numpy()[:0]):
        with pytest.raises(ValueError, match=r"^update got no new observations \(y has no "):
            model.update(None, empty)
    pd.testing.assert_series_equal(model.forecast(2), before)


def test_leading_nan_is_a_late_start():
    y = pd.DataFrame({"a": [np.nan, np.nan, 3.0, 5.0], "b": [1.0, 2.0, 3.0, 4.0]})
    f = NaiveForecaster(strategy="drift").fit(None, y)
    np.testing.assert_allclose(f.forecast(1).to_numpy(), [[7.0, 5.0]])


def test_all_nan_series_is_an_error():
    y = pd.DataFrame({"a": [np.nan] * 3, "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="Series 'a' of y has no observation"):
        NaiveForecaster().fit(None, y)


def test_too_short_for_the_season():
    y = pd.Series(np.arange(10.0), index=pd.date_range("2020-01-01", periods=10, freq="MS"))
    with pytest.raises(
        ValueError, match=r"y has 10 observations .* strategy='seasonal' .* at least 12"
    ):
        NaiveForecaster(strategy="seasonal").fit(None, y)


def test_non_monotonic_index():
    y = drift_series(n=5).iloc[[0, 2, 1, 3, 4]]
    with pytest.raises(ValueError, match="not monotonic increasing"):
        NaiveForecaster().fit(None, y)


def test_irregular_index():
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-05"])
    with pytest.raises(ValueError, match="not regularly spaced"):
        NaiveForecaster().fit(None, pd.Series(np.arange(4.0), index=index))


def test_duplicate_timestamps():
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-02"])
    with pytest.raises(ValueError, match="duplicate timestamps"):
        NaiveForecaster().fit(None, pd.Series(np.arange(3.0), index=index))


def test_misaligned_X_and_y():
    y = drift_series(n=6)
    X = pd.DataFrame({"x": np.arange(6.0)}, index=y.index + pd.offsets.MonthBegin(1))
    with pytest.raises(ValueError, match="X and y have different indexes"):
        NaiveForecaster().fit(X, y)


def test_columns_differ_between_fit_and_predict():
    y = drift_series(n=6)
    X = pd.DataFrame({"x": np.arange(6.0), "z": np.arange(6.0)}, index=y.index)
    f = NaiveForecaster().fit(X, y)
    X_future = pd.DataFrame(
        {"x": [1.0], "w": [1.0]}, index=pd.date_range("2020-07-01", periods=1, freq="MS")
    )
    with pytest.raises(ValueError, match="feature names"):
        f.predict(X_future)
    with pytest.raises(ValueError, match="X has 1 features, but NaiveForecaster is expecting 2"):
        f.predict(np.zeros((2, 1)))


def test_predict_needs_X():
    f = NaiveForecaster().fit(None, np.arange(5.0))
    with pytest.raises(ValueError, match="predict needs X"):
        f.predict(None)


@pytest.mark.parametrize("method", ["predict", "predict_interval", "predict_quantiles"])
@pytest.mark.parametrize("steps", [6, np.int64(6), 6.0, "6", np.array(6)])
def test_a_number_of_steps_for_X_points_to_forecast(method, steps):
    # predict(6) reads like "the next 6 steps"; sklearn's own error was
    # "Expected 2D array, got scalar array".
    f = NaiveForecaster().fit(None, np.arange(5.0))
    with pytest.raises(ValueError, match=r"X must be the future rows .* call forecast\(n\)"):
        getattr(f, method)(steps)
    # The recipe the message gives works.
    rows = pd.DataFrame(index=f.forecast(2).index)
    np.testing.assert_allclose(f.predict_interval(rows)["lower"].notna(), True)
    np.testing.assert_allclose(np.asarray(f.predict(rows)), [4.0, 4.0])


def test_unknown_strategy():
    with pytest.raises(ValueError, match=r"'strategy' parameter of Naive.* Got 'median'"):
        NaiveForecaster(strategy="median").fit(None, np.arange(5.0))


def test_wrong_y_shape():
    with pytest.raises(ValueError, match=r"Found array with dim 3"):
        NaiveForecaster().fit(None, np.zeros((4, 2, 2)))


def test_y_none():
    with pytest.raises(ValueError, match="requires y to be passed"):
        NaiveForecaster().fit(np.zeros((3, 1)), None)


def test_forecast_needs_covariates_when_fitted_with_them():
    y = drift_series(n=6)
    f = NaiveForecaster().fit(pd.DataFrame({"x": np.arange(6.0)}, index=y.index), y)
    with pytest.raises(ValueError, match="fitted with 1 covariates"):
        f.forecast(2)
    out = f.forecast(2, X=np.ones((2, 1)))
    assert len(out) == 2


# ---------------------------------------------------------------- update
def test_update_moves_the_forecast_origin():
    y = drift_series(n=12)
    f = NaiveForecaster().fit(None, y.iloc[:10])
    f.update(None, y.iloc[10:])
    pd.testing.assert_series_equal(
        f.forecast(2), NaiveForecaster().fit(None, y).forecast(2)
    )


def test_update_must_continue_the_history():
    y = drift_series(n=12)
    f = NaiveForecaster().fit(None, y.iloc[:8])
    with pytest.raises(ValueError, match="update expects new observations starting at 2020-09-01"):
        f.update(None, y.iloc[9:])


def test_update_rejects_nan_and_other_series_count():
    f = NaiveForecaster().fit(None, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="has a NaN"):
        f.update(None, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="y has 3 series but the forecaster was fitted on 2"):
        f.update(None, np.zeros((1, 3)))


def test_clone_is_unfitted_and_equal_params():
    f = NaiveForecaster(strategy="seasonal", seasonal_period=4).fit(None, np.arange(8.0))
    g = clone(f)
    assert g.get_params() == f.get_params()
    assert not hasattr(g, "y_history_")


@pytest.mark.parametrize(
    ("freq", "period"),
    [("MS", 12), ("ME", 12), ("QS", 4), ("QE-DEC", 4), ("YS", 1), ("W-SUN", 52), ("D", 7),
     ("B", 5), ("h", 24), ("30min", 48), ("15min", 96)],
)
def test_seasonal_period_from_freq(freq, period):
    assert seasonal_period_from_freq(freq) == period


def test_the_index_is_rebuilt_once_per_state_and_each_read_is_its_own():
    y = pd.Series(np.arange(48.0), index=pd.date_range("2020-01", periods=48, freq="MS"))
    model = NaiveForecaster().fit(None, y)
    first = model.index_
    first.name = "changed"  # a user's change to what they read stays theirs
    assert model.index_.name is None and model.index_ is not model.index_
    assert model.index_.equals(y.index) and model.index_.freq == y.index.freq
    model.update(None, pd.Series([48.0], index=pd.date_range("2024-01", periods=1, freq="MS")))
    assert model.index_[-1] == pd.Timestamp("2024-01-01") and len(model.index_) == 49


def test_forecast_keeps_the_name_of_the_history_index():
    index = pd.period_range("2020-01", periods=6, freq="M", name="month")
    y = pd.Series(np.arange(6.0), index=index)
    model = NaiveForecaster().fit(None, y)
    forecast = model.forecast(2)
    assert forecast.index.name == "month"
    assert forecast.index.equals(pd.period_range("2020-07", periods=2, freq="M", name="month"))
    np.testing.assert_array_equal(forecast, [5.0, 5.0])
    # predict(X) is indexed by X, whose name it keeps (None here).
    future = pd.DataFrame(index=pd.period_range("2020-07", periods=2, freq="M"))
    assert model.predict(future).index.name is None
    assert model.predict_interval(future).index.name is None
    panel = pd.DataFrame({"a": y, "b": 2 * y})
    assert NaiveForecaster().fit(None, panel).forecast(1).index.name == "month"
