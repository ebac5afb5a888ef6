"""Prediction intervals: naive analytic, statsmodels adapters, conformal."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.base import clone
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

from seqforecast.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    NaiveForecaster,
    ThetaForecaster,
)
from seqforecast.conformal import ConformalForecaster

Y_SMALL = np.array([3.0, 5.0, 4.0, 8.0, 7.0, 9.0, 12.0, 10.0])
QUANTILES = (0.1, 0.5, 0.9)


def _future(steps):
    return np.empty((steps, 0))


def _ar1(rng, n_rows, n_series, phi=0.6, burn=50):
    e = rng.normal(size=(n_rows + burn, n_series))
    y = np.zeros_like(e)
    for t in range(1, len(e)):
        y[t] = phi * y[t - 1] + e[t]
    return y[burn:]


def _coverage(intervals, actual):
    lower = intervals.xs("lower", axis=1, level="bound").to_numpy()
    upper = intervals.xs("upper", axis=1, level="bound").to_numpy()
    return float(np.mean((actual >= lower) & (actual <= upper)))


# ------------------------------------------------------------------ naive
def _hand_naive(y, strategy, h, m=2):
    """Point and h-step sd by the FPP3 section 5.5 formulas, with plain loops."""
    T = len(y)
    if strategy == "last":
        e = [y[t] - y[t - 1] for t in range(1, T)]
        sigma = np.sqrt(sum(v * v for v in e) / (T - 1))
        return y[-1], sigma * np.sqrt(h)
    if strategy == "seasonal":
        e = [y[t] - y[t - m] for t in range(m, T)]
        sigma = np.sqrt(sum(v * v for v in e) / (T - m))
        k = (h - 1) // m
        return y[T - m + (h - 1) % m], sigma * np.sqrt(k + 1)
    if strategy == "drift":
        b = (y[-1] - y[0]) / (T - 1)
        e = [y[t] - y[t - 1] - b for t in range(1, T)]
        sigma = np.sqrt(sum(v * v for v in e) / (T - 2))
        return y[-1] + h * b, sigma * np.sqrt(h * (1 + h / (T - 1)))
    mean = sum(y) / T
    sigma = np.sqrt(sum((v - mean) ** 2 for v in y) / (T - 1))
    return mean, sigma * np.sqrt(1 + 1 / T)


@pytest.mark.parametrize("strategy", ["last", "seasonal", "drift", "mean"])
def test_naive_quantiles_match_hand_formulas(strategy):
    model = NaiveForecaster(strategy=strategy, seasonal_period=2).fit(None, Y_SMALL)
    got = model.predict_quantiles(_future(5), quantiles=QUANTILES).to_numpy()
    for h in range(1, 6):
        point, sd = _hand_naive(list(Y_SMALL), strategy, h)
        expected = [point + sd * norm.ppf(q) for q in QUANTILES]
        np.testing.assert_allclose(got[h - 1], expected, rtol=1e-10)


def test_naive_quantiles_ragged_panel_use_each_observed_part():
    b = Y_SMALL[::-1].copy()
    b[:3] = np.nan  # series "b" starts three steps later
    panel = pd.DataFrame({"a": Y_SMALL, "b": b})
    model = NaiveForecaster(strategy="drift").fit(None, panel)
    got = model.predict_quantiles(_future(3), quantiles=QUANTILES)
    for name, values in [("a", Y_SMALL), ("b", b[3:])]:
        single = NaiveForecaster(strategy="drift").fit(None, values)
        expected = single.predict_quantiles(_future(3), quantiles=QUANTILES).to_numpy()
        np.testing.assert_allclose(got[name].to_numpy(), expected, rtol=1e-12)
        point, sd = _hand_naive(list(values), "drift", 3)
        np.testing.assert_allclose(got[name].iloc[2, 2], point + sd * norm.ppf(0.9))


def test_naive_intervals_need_residuals():
    model = NaiveForecaster(strategy="drift").fit(None, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="need at least 3 to estimate the residual"):
        model.predict_interval(_future(2))


def test_naive_last_covers_random_walk():
    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(size=(45, 400)), axis=0)
    model = NaiveForecaster().fit(None, y[:40])
    coverage = _coverage(model.predict_interval(_future(5), coverage=0.9), y[40:])
    assert abs(coverage - 0.9) < 0.03


# ----------------------------------------------------- statsmodels adapters
@pytest.mark.parametrize(
    "spec",
    [
        {"error": "add", "trend": "add", "damped_trend": False, "seasonal": None},  # exact
        {"error": "mul", "trend": "add", "damped_trend": False, "seasonal": None},  # simulated
    ],
)
def test_ets_quantiles_equal_statsmodels(spec):
    y = 10 + np.cumsum(np.random.default_rng(2).normal(0.1, 0.5, 40))
    model = ETSForecaster(auto=False, **spec).fit(None, y)
    got = model.predict_quantiles(_future(4), quantiles=(0.05, 0.25, 0.5, 0.9)).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(pd.Series(y), **spec).fit(disp=False)
        pred = res.get_prediction(start=40, end=43, rng=np.random.default_rng(0))
    expected = np.column_stack(
        [
            np.asarray(pred.pred_int(0.1))[:, 0],
            np.asarray(pred.pred_int(0.5))[:, 0],
            # The median: the mean of the exact (Gaussian) distribution, the
            # simulation's median of a simulated one.
            np.asarray(res.forecast(4)) if pred.method == "exact"
            else np.asarray(pred.pred_int(1.0))[:, 0],
            np.asarray(pred.pred_int(0.2))[:, 1],
        ]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert pred.method == ("exact" if spec["error"] == "add" else "simulated")


def test_theta_quantiles_equal_statsmodels():
    t = np.arange(48)
    y = 20 + 0.2 * t + np.random.default_rng(3).normal(0, 1, 48)
    model = ThetaForecaster(seasonal_period=1).fit(None, y)
    got = model.predict_quantiles(_future(6), quantiles=(0.05, 0.5, 0.8)).to_numpy()
    res = ThetaModel(y, period=1, deseasonalize=False).fit()
    expected = np.column_stack(
        [
            res.prediction_intervals(6, alpha=0.1)["lower"],
            res.forecast(6),
            res.prediction_intervals(6, alpha=0.4)["upper"],
        ]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_theta_constant_series_has_zero_width():
    model = ThetaForecaster().fit(None, np.full(10, 4.0))
    got = model.predict_quantiles(_future(2)).to_numpy()
    np.testing.assert_array_equal(got, np.full((2, 3), 4.0))


@pytest.mark.parametrize(
    "model",
    [
        NaiveForecaster(strategy="drift"),
        ETSForecaster(auto=False, trend="add"),
        ThetaForecaster(),
        ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=10),
    ],
    ids=["naive", "ets", "theta", "conformal"],
)
def test_median_is_point_forecast(model):
    y = 10 + np.cumsum(np.random.default_rng(4).normal(0.1, 0.5, 40))
    model.fit(None, y)
    median = model.predict_quantiles(_future(3), quantiles=(0.5,)).to_numpy()[:, 0]
    np.testing.assert_allclose(median, model.predict(_future(3)), rtol=1e-12)


def test_arima_ar1_interval_coverage():
    # 300 independent one-step forecasts: the coverage has a sd of 1.7 points.
    y = _ar1(np.random.default_rng(5), 101, 300)
    model = ARIMAForecaster(order=(1, 0, 0)).fit(None, y[:100])
    coverage = _coverage(model.predict_interval(_future(1), coverage=0.9), y[100:])
    assert abs(coverage - 0.9) < 0.04


# ---------------------------------------------------------------- conformal
def test_conformal_residuals_and_bounds_by_hand():
    y = np.array([1.0, 3.0, 2.0, 6.0, 5.0, 9.0, 7.0, 8.0, 12.0, 10.0])
    model = ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=4).fit(None, y)
    # Origins 5..8: naive forecast y[o - 1] for rows o and o + 1.
    np.testing.assert_array_equal(model.origins_, [5, 6, 7, 8])
    for w, o in enumerate(range(5, 9)):
        for h in range(2):
            assert model.residuals_[w, h, 0] == abs(y[o + h] - y[o - 1])
    # Level 0.6 (q = 0.2, 0.8): rank ceil(5 * 0.6) = 3 of the 4 sorted errors.
    got = model.predict_quantiles(_future(2), quantiles=(0.2, 0.8)).to_numpy()
    radius = [np.sort(model.residuals_[:, h, 0])[2] for h in range(2)]
    np.testing.assert_array_equal(got[:, 0], 10.0 - np.array(radius))
    np.testing.assert_array_equal(got[:, 1], 10.0 + np.array(radius))
    # Level 0.9 needs rank ceil(5 * 0.9) = 5 > 4 errors: the bound would be
    # infinite, which no metric or plot takes, so it is an error saying why.
    with pytest.raises(ValueError, match=r"coverage 0\.9 needs at least 9 calibration errors "
                                         r"per step, but ConformalForecaster has 4"):
        model.predict_interval(_future(1), coverage=0.9)


def test_conformal_update_path_equals_refit_for_naive():
    y = np.cumsum(np.random.default_rng(6).normal(size=(30, 2)), axis=0)
    refit = ConformalForecaster(NaiveForecaster(strategy="drift"), horizon=3, n_windows=8)
    moved = ConformalForecaster(
        NaiveForecaster(strategy="drift"), horizon=3, n_windows=8, method="split"
    )
    np.testing.assert_allclose(
        refit.fit(None, y).residuals_, moved.fit(None, y).residuals_, rtol=1e-12
    )


@pytest.mark.parametrize("pooling", ["series", "pooled", "scaled"])
def test_conformal_naive_ar1_coverage(pooling):
    y = _ar1(np.random.default_rng(7), 83, 300)
    model = ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=40, pooling=pooling)
    model.fit(None, y[:80])
    coverage = _coverage(model.predict_interval(_future(3), coverage=0.9), y[80:])
    assert abs(coverage - 0.9) < 0.04


def test_conformal_horizon_and_parameters_checked():
    y = np.arange(30.0)
    model = ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=10).fit(None, y)
    with pytest.raises(ValueError, match="calibrated for horizon=2"):
        model.predict_quantiles(_future(3))
    with pytest.raises(ValueError, match=r"'pooling' parameter of Conformal.* str among"):
        ConformalForecaster(NaiveForecaster(), pooling="all").fit(None, y)
    with pytest.raises(ValueError, match=r"'method' parameter of Conformal.* str among"):
        ConformalForecaster(NaiveForecaster(), method="refit").fit(None, y)
    with pytest.raises(ValueError, match=r"'adaptive' parameter .* 'bool'"):
        ConformalForecaster(NaiveForecaster(), adaptive="yes").fit(None, y)
    with pytest.raises(ValueError, match=r"'n_windows' parameter .* int in the range \[1, inf\)"):
        ConformalForecaster(NaiveForecaster(), n_windows=0).fit(None, y)
    with pytest.raises(ValueError, match=r"'forecaster' parameter .* implementing 'fit'"):
        ConformalForecaster(object()).fit(None, y)
    with pytest.raises(ValueError, match="needs at least 12"):
        ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=10).fit(None, y[:11])
    panel = np.column_stack([y[:11], y[:11]])
    with pytest.raises(ValueError, match="longest series of y has 11 observations"):
        ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=10).fit(None, panel)


def test_conformal_scaled_pooling_by_hand():
    rng = np.random.default_rng(11)
    y = np.cumsum(rng.normal(size=(60, 2)), axis=0) * np.array([1.0, 50.0])
    model = ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=12, pooling="scaled")
    model.fit(None, y)
    scale = np.mean(np.abs(np.diff(y, axis=0)), axis=0)  # no index: period 1
    np.testing.assert_allclose(model.scale_, scale, rtol=1e-12)
    got = model.predict_interval(_future(2), coverage=0.8).to_numpy()  # (lower, upper) x 2
    for h in range(2):
        scaled = np.sort((model.residuals_[:, h, :] / scale).ravel())
        radius = scaled[int(np.ceil(25 * 0.8)) - 1] * scale  # rank ceil((24 + 1) 0.8)
        np.testing.assert_allclose(got[h, 1::2] - y[-1], radius, rtol=1e-12)
        np.testing.assert_allclose(y[-1] - got[h, 0::2], radius, rtol=1e-12)


def test_conformal_short_series_calibrated_without_them():
    # Series "b" starts 30 rows late: too short for a seasonal naive (12
    # observations) at the early origins, so those clones are fitted on "a"
    # alone and "b" has no error from them.
    index = pd.date_range("2000-01", periods=50, freq="MS")
    rng = np.random.default_rng(12)
    y = pd.DataFrame(rng.normal(size=(50, 2)), index=index, columns=["a", "b"])
    y.iloc[:30, 1] = np.nan
    model = ConformalForecaster(NaiveForecaster(strategy="seasonal"), horizon=2, n_windows=10)
    model.fit(None, y)
    values = y.to_numpy()
    for w, o in enumerate(model.origins_):
        for h in range(2):
            assert model.residuals_[w, h, 0] == abs(values[o + h, 0] - values[o + h - 12, 0])
            if o - 30 >= 12:
                assert model.residuals_[w, h, 1] == abs(values[o + h, 1] - values[o + h - 12, 1])
            else:
                assert np.isnan(model.residuals_[w, h, 1])
    assert NaiveForecaster(strategy="seasonal").observations_needed(None, y) == 12


def _hand_errors(forecaster, X, y, origins, horizon, method, static=None):
    """Calibration errors by a plain loop: clone, fit on the prefix, forecast.

    At every origin ("rolling"), or at the first with a series to fit
    ("split", which then updates that clone one row at a time), the clone is
    fitted on the series with enough observations before the origin (and
    their rows of the frame ``static``, read by name).
    """

    def rows(data, start, stop, series=None):
        if data is None:
            return None
        part = data.iloc[start:stop]
        return part if series is None or isinstance(data, pd.Series) else part.iloc[:, series]

    values = y.to_numpy().reshape(len(y), -1)
    needed = forecaster.observations_needed(X, y)
    errors = np.full((len(origins), horizon, values.shape[1]), np.nan)
    model = None
    for w, origin in enumerate(origins):
        if method == "rolling" or model is None:
            series = np.flatnonzero(np.sum(~np.isnan(values[:origin]), axis=0) >= needed)
            if len(series) == 0:
                model = None
                continue
            fitted = rows(y, 0, origin, series)
            features = None if static is None else static.loc[list(fitted.columns)]
            model = clone(forecaster).fit(rows(X, 0, origin), fitted, static_features=features)
        else:
            model.update(rows(X, origin - 1, origin), rows(y, origin - 1, origin, series))
        forecast = model.forecast(horizon, rows(X, origin, origin + horizon))
        actual = values[origin:origin + horizon, series]
        errors[w][:, series] = actual - np.asarray(forecast).reshape(horizon, -1)
    return errors


@pytest.fixture
def late_panel():
    """Monthly panel whose series start late: "b" has 12 observations (a seasonal
    naive's need) from row 40 on, "c" only for the final fit (13)."""
    index = pd.date_range("2000-01", periods=48, freq="MS")
    y = pd.DataFrame(np.cumsum(np.random.default_rng(18).normal(size=(48, 3)), axis=0),
                     index=index, columns=["a", "b", "c"])
    y.iloc[:28, 1] = np.nan
    y.iloc[:35, 2] = np.nan
    return y


@pytest.mark.parametrize("method", ["rolling", "split"])
def test_conformal_errors_equal_a_hand_loop_with_covariates(method):
    rng = np.random.default_rng(19)
    index = pd.date_range("2010-01", periods=40, freq="MS")
    X = pd.DataFrame({"u": rng.normal(size=40)}, index=index)
    y = pd.Series(np.cumsum(rng.normal(size=40)) + 2 * X["u"].to_numpy(), index=index)
    inner = ARIMAForecaster(order=(1, 0, 0), maxiter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConformalForecaster(inner, horizon=3, n_windows=5, method=method).fit(X, y)
        hand = _hand_errors(inner, X, y, model.origins_, 3, method)
        other = _hand_errors(inner, X, y, model.origins_, 3,
                             "split" if method == "rolling" else "rolling")
    np.testing.assert_allclose(model.errors_, hand, rtol=1e-12)
    # ARIMA keeps its coefficients on update: the two methods differ.
    assert not np.allclose(hand, other)


@pytest.mark.parametrize("method", ["rolling", "split"])
def test_conformal_errors_equal_a_hand_loop_on_a_late_panel(late_panel, method):
    inner = NaiveForecaster(strategy="seasonal")
    model = ConformalForecaster(inner, horizon=2, n_windows=10, method=method)
    model.fit(None, late_panel)
    np.testing.assert_array_equal(model.origins_, np.arange(37, 47))
    hand = _hand_errors(inner, None, late_panel, model.origins_, 2, method)
    np.testing.assert_array_equal(model.errors_, hand)
    assert np.isfinite(model.errors_[:, :, 0]).all()
    assert np.isnan(model.errors_[:, :, 2]).all()
    # "b" has 12 observations from origin 40: the rolling clones calibrate it
    # from there; the split clone, fitted on "a" alone, never does.
    assert np.isfinite(model.errors_[3:, :, 1]).all() == (method == "rolling")
    assert np.isnan(model.errors_[:3, :, 1]).all()


@pytest.mark.parametrize("method", ["rolling", "split"])
@pytest.mark.filterwarnings("ignore:LSTMForecaster. 1 of 3 series give no training window")
def test_conformal_gives_static_features_to_every_fit(levels_panel, tiny_lstm, method):
    # "a" starts at the second origin, so the first clone fits "b" and "c"
    # with their rows of the features.
    y, static = levels_panel
    y = y.copy()
    y.iloc[:44, 0] = np.nan
    inner = tiny_lstm
    model = ConformalForecaster(inner, horizon=2, n_windows=3, method=method)
    model.fit(None, y, static_features=static)
    hand = _hand_errors(inner, None, y, model.origins_, 2, method, static=static)
    np.testing.assert_allclose(model.errors_, hand, rtol=1e-12)
    assert np.isnan(model.errors_[0, :, 0]).all()
    assert np.isfinite(model.errors_[1:, :, 0]).all() == (method == "rolling")
    np.testing.assert_array_equal(model.forecaster_.static_features_.ravel(), [1.0, 5.0, 9.0])
    # They reach the network: the forecasts move without them.
    plain = clone(model).fit(None, y)
    assert np.abs(plain.predict(_future(2)) - model.predict(_future(2))).to_numpy().max() > 1e-3


def test_conformal_around_a_per_series_model_ignores_static_features_with_the_reason():
    y = pd.DataFrame(np.random.default_rng(1).normal(size=(30, 2)), columns=["a", "b"])
    static = pd.DataFrame({"size": [1.0, 2.0]}, index=["a", "b"])
    model = ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=5)
    with pytest.warns(UserWarning, match=r"ConformalForecaster wraps NaiveForecaster, which fits "
                      r"each series on its own .*so the static features are ignored"):
        model.fit(None, y, static_features=static)
    assert model.static_features_ is None and model.forecaster_.static_features_ is None


@pytest.mark.parametrize("method", ["rolling", "split"])
def test_conformal_n_jobs_gives_the_same_errors(late_panel, method):
    kwargs = {"horizon": 2, "n_windows": 10, "method": method}
    one = ConformalForecaster(NaiveForecaster(strategy="seasonal"), n_jobs=1, **kwargs)
    two = ConformalForecaster(NaiveForecaster(strategy="seasonal"), n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one.fit(None, late_panel).errors_,
                                  two.fit(None, late_panel).errors_)


def test_conformal_scaled_pooling_uses_the_seasonal_naive_scale():
    # "c" is too short to be backtested at any origin; it still gets an
    # interval, from the pooled scaled errors of "a" and "b" times its
    # seasonal-naive scale (the MASE scale, period 12 from the index).
    rng = np.random.default_rng(16)
    index = pd.date_range("2000-01", periods=40, freq="MS")
    y = pd.DataFrame(np.cumsum(rng.normal(size=(40, 3)), axis=0) * [1.0, 4.0, 10.0],
                     index=index, columns=["a", "b", "c"])
    y.iloc[:27, 2] = np.nan  # 13 observations: enough for the final fit only
    model = ConformalForecaster(NaiveForecaster(strategy="seasonal"), horizon=2, n_windows=5,
                                pooling="scaled").fit(None, y)
    assert np.isnan(model.residuals_[:, :, 2]).all()
    values = y.to_numpy()
    scale = np.nanmean(np.abs(values[12:] - values[:-12]), axis=0)
    np.testing.assert_allclose(model.scale_, scale, rtol=1e-12)
    interval = model.predict_interval(pd.DataFrame(index=index[-1:] + pd.DateOffset(months=1)),
                                      coverage=0.8).to_numpy()[0]
    pooled = np.sort((model.residuals_[:, 0, :2] / scale[:2]).ravel())
    radius = pooled[int(np.ceil(11 * 0.8)) - 1] * scale[2]  # rank ceil((10 + 1) 0.8)
    np.testing.assert_allclose(interval[5] - interval[4], 2 * radius, rtol=1e-12)
    with pytest.raises(ValueError, match=r"'seasonal_period' parameter .* range \[1, inf\)"):
        ConformalForecaster(NaiveForecaster(), seasonal_period=0).fit(None, y)


def test_conformal_adaptive_update_scores_new_forecasts_by_hand():
    y = np.cumsum(np.random.default_rng(13).normal(size=40))
    model = ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=6, adaptive=True)
    model.fit(None, y[:30])
    before = model.residuals_.copy()
    model.update(None, y[30:32]).update(None, y[32:35])
    for step in range(3):
        # Origins 30 - step .. 34 - step have step `step` in the new rows 30 ..
        # 34 (origins 28 and 29, whose forecasts fit made, included): every
        # step gets a new error from each new row. The naive forecast from
        # origin o is y[o - 1].
        new = [abs(y[o + step] - y[o - 1]) for o in range(30 - step, 35 - step)]
        assert len(new) == 5
        expected = np.concatenate([before[len(new):, step, 0], new])
        np.testing.assert_allclose(model.residuals_[:, step, 0], expected, rtol=1e-12)
    # The forecasts still start after the last observation.
    assert model.predict(_future(1))[0] == y[34]


@pytest.mark.parametrize("method", ["rolling", "split"])
def test_conformal_adaptive_scores_every_step_from_the_first_new_row(method):
    # The forecasts from the last horizon - 1 origins of fit reach past the
    # history: one new row completes step s of the forecast from origin n - s,
    # for every s (step 2 used to wait for the third new row). Each is made
    # as the calibration forecasts are: a fit at its origin ("rolling"), or
    # the one fit at the first origin updated ("split").
    rng = np.random.default_rng(21)
    y = 10 + np.convolve(rng.normal(size=70), [1, 0.6, 0.3], mode="valid")[:60]
    inner = ARIMAForecaster(order=(1, 0, 0), maxiter=200)
    h, n = 3, 50
    model = ConformalForecaster(inner, horizon=h, n_windows=5, method=method,
                                adaptive=True).fit(None, y[:n])
    before = model.residuals_.copy()
    model.update(None, y[n:n + 1])
    first_origin = n - h - 5 + 1
    for step in range(h):
        origin = n - step
        if origin == n or method == "rolling":  # forecaster_ is fitted on the history
            manual = clone(inner).fit(None, y[:origin])
        else:  # fitted at the first calibration origin, then updated
            manual = clone(inner).fit(None, y[:first_origin]).update(
                None, y[first_origin:origin])
        forecast = np.asarray(manual.forecast(h))
        expected = abs(y[n] - forecast[step])
        np.testing.assert_allclose(model.residuals_[-1, step, 0], expected, rtol=1e-8)
        np.testing.assert_array_equal(model.residuals_[:-1, step, 0], before[1:, step, 0])
    assert set(model.pending_) == {n - 1, n, n + 1}  # origins with steps still to come


def test_the_rolling_engine_probes_only_the_folds_asked():
    # The adaptive fit's whole-horizon forecasts are needed from its late
    # origins only; the calibration folds are not probed.
    from seqforecast.model_selection import _rolling_forecasts

    y = np.arange(30.0)
    folds = [(0, origin, origin, origin + 2) for origin in (20, 22, 24)]
    calls = []

    def probe(model):
        calls.append(model.y_panel_.n_rows)
        return model.y_panel_.n_rows

    result = _rolling_forecasts(NaiveForecaster(), None, y, folds, probe=probe,
                                probe_folds={1, 2})
    assert result.probed == [None, 22, 24] and calls == [22, 24]
    assert result.series == [None, None, None]


def test_conformal_adaptive_late_origins_leave_a_series_not_yet_started_unscored():
    # Series b starts on row 38: the fit from origin 38 leaves it out (NaN
    # error at its step 2), the one from origin 39 has its first value.
    rng = np.random.default_rng(22)
    y = rng.normal(size=(41, 2)).cumsum(axis=0)
    y[:38, 1] = np.nan
    model = ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=5, adaptive=True)
    model.fit(None, y[:40]).update(None, y[40:41])
    last = model.errors_[-1]  # (step, series) of the new row 40
    np.testing.assert_allclose(last[:, 0], y[40, 0] - y[[39, 38, 37], 0], rtol=1e-12)
    np.testing.assert_allclose(last[:2, 1], y[40, 1] - y[[39, 38], 1], rtol=1e-12)
    assert np.isnan(last[2, 1])


def test_conformal_adaptive_with_covariates_waits_for_the_future_X():
    rng = np.random.default_rng(14)
    X = rng.normal(size=(50, 1))
    y = 3 * X[:, 0] + rng.normal(0, 0.5, 50)
    inner = ARIMAForecaster(order=(0, 0, 0), maxiter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConformalForecaster(inner, horizon=2, n_windows=5, adaptive=True)
        model.fit(X[:40], y[:40])
        before = model.residuals_.copy()
        model.update(X[40:41], y[40:41])
        np.testing.assert_array_equal(model.residuals_, before)  # X[41] not seen yet
        model.update(X[41:43], y[41:43])
        # Origins 40 and 41 are complete: their forecasts by hand.
        manual = ARIMAForecaster(order=(0, 0, 0), maxiter=200).fit(X[:40], y[:40])
        first = manual.predict(X[40:42])
        second = manual.update(X[40:41], y[40:41]).predict(X[41:43])
    for step in range(2):
        expected = [abs(y[40 + step] - first[step]), abs(y[41 + step] - second[step])]
        np.testing.assert_allclose(model.residuals_[-2:, step, 0], expected, rtol=1e-8)
        np.testing.assert_array_equal(model.residuals_[:-2, step, 0], before[2:, step, 0])


def test_conformal_adaptive_follows_a_change_in_noise_level():
    # Noise sd jumps from 1 to 3 after the fit: the static intervals keep
    # their old width, the adaptive ones widen with the new errors.
    rng = np.random.default_rng(15)
    y = np.concatenate([rng.normal(0, 1, 100), rng.normal(0, 3, 300)])
    covered = {}
    for adaptive in (False, True):
        model = ConformalForecaster(NaiveForecaster(strategy="mean"), n_windows=50,
                                    adaptive=adaptive).fit(None, y[:100])
        hits = []
        for t in range(100, 400):
            lower, upper = model.predict_interval(_future(1), coverage=0.9).to_numpy()[0]
            hits.append(lower <= y[t] <= upper)
            model.update(None, y[t:t + 1])
        covered[adaptive] = np.mean(hits[100:])  # after the window has turned over
    assert covered[False] < 0.6
    assert abs(covered[True] - 0.9) < 0.05


# ------------------------------------------------------------ panel output
@pytest.mark.parametrize(
    "model",
    [NaiveForecaster(strategy="seasonal"), ConformalForecaster(NaiveForecaster(), horizon=2)],
    ids=["naive", "conformal"],
)
def test_panel_output_columns_and_index(model):
    index = pd.date_range("2020-01", periods=36, freq="MS")
    rng = np.random.default_rng(8)
    panel = pd.DataFrame(rng.normal(size=(36, 2)), index=index, columns=["x", "y"])
    model.fit(None, panel)
    future = pd.DataFrame(index=pd.date_range("2023-01", periods=2, freq="MS"))
    q = model.predict_quantiles(future, quantiles=QUANTILES)
    assert q.shape == (2, 6)
    assert q.columns.tolist() == [(s, p) for s in ["x", "y"] for p in QUANTILES]
    assert q.index.equals(future.index)
    pd.testing.assert_frame_equal(
        q.xs(0.5, axis=1, level="quantile"), model.predict(future), check_names=False
    )
    interval = model.predict_interval(future, coverage=0.8)
    assert interval.columns.tolist() == [("x", "lower"), ("x", "upper"), ("y", "lower"),
                                         ("y", "upper")]
    np.testing.assert_allclose(interval.to_numpy(), q.drop(columns=0.5, level=1).to_numpy())


def test_conformal_with_covariates_matches_manual_backtest():
    rng = np.random.default_rng(9)
    index = pd.date_range("2020-01", periods=40, freq="MS")
    X = pd.DataFrame({"u": rng.normal(size=40)}, index=index)
    y = pd.Series(2 * X["u"].to_numpy() + rng.normal(0, 0.3, 40), index=index)
    inner = ARIMAForecaster(order=(0, 0, 0), maxiter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConformalForecaster(inner, horizon=2, n_windows=3).fit(X, y)
        # The last calibration origin (row 38) by hand.
        manual = ARIMAForecaster(order=(0, 0, 0), maxiter=200).fit(X[:38], y[:38])
        expected = np.abs(y[38:].to_numpy() - manual.predict(X[38:]).to_numpy())
    np.testing.assert_allclose(model.residuals_[-1, :, 0], expected, rtol=1e-8)


def test_conformal_calibration_keeps_the_seasonal_period_of_the_index():
    index = pd.date_range("2020-01", periods=40, freq="MS")
    y = pd.Series(np.random.default_rng(10).normal(size=40), index=index)
    model = ConformalForecaster(NaiveForecaster(strategy="seasonal"), horizon=2, n_windows=5)
    model.fit(None, y)
    assert model.forecaster_.seasonal_period_ == 12
    values = y.to_numpy()
    for w, o in enumerate(model.origins_):
        for h in range(2):
            assert model.residuals_[w, h, 0] == abs(values[o + h] - values[o + h - 12])


def test_conformal_global_network_on_a_ragged_panel():
    # In a panel a global network forecasts any series that has started
    # (the others give it its training windows); a series that has not
    # started at an origin is left out of that origin's clone and gets no
    # error from it, and its interval comes from the scaled pool.
    from seqforecast.neural import LSTMForecaster

    rng = np.random.default_rng(17)
    index = pd.date_range("2000-01", periods=60, freq="MS")
    t = np.arange(60)[:, None]
    y = pd.DataFrame(10 + np.sin(2 * np.pi * t / 12) * [1, 2, 3] + rng.normal(0, 0.2, (60, 3)),
                     index=index, columns=["a", "b", "late"])
    y.iloc[:56, 2] = np.nan  # 4 observations
    lstm = LSTMForecaster(horizon=2, lookback=8, hidden_size=4, max_epochs=2,
                          windows_per_epoch=32, random_state=0)
    assert lstm.observations_needed(None, y) == 1
    assert lstm.observations_needed(None, y["a"]) == 8 // 2 + 2  # alone: min_observed + horizon
    model = ConformalForecaster(lstm, horizon=2, n_windows=6, pooling="scaled").fit(None, y)
    np.testing.assert_array_equal(model.origins_, np.arange(53, 59))
    started = model.origins_ > 56  # the late series has observations before the origin
    assert np.isnan(model.residuals_[~started, :, 2]).all()
    assert np.isfinite(model.residuals_[started, :, 2]).all()
    assert np.isfinite(model.residuals_[:, :, :2]).all()
    future = pd.DataFrame(index=pd.date_range("2005-01", periods=2, freq="MS"))
    assert np.isfinite(model.predict_interval(future).to_numpy()).all()


def test_conformal_asymmetric_quantiles_by_hand():
    y = np.array([1.0, 3.0, 2.0, 6.0, 5.0, 9.0, 7.0, 8.0, 12.0, 10.0, 13.0, 11.0])
    model = ConformalForecaster(NaiveForecaster(), horizon=1, n_windows=9, symmetric=False)
    model.fit(None, y)
    errors = np.array([y[o] - y[o - 1] for o in range(3, 12)])  # actual minus naive
    np.testing.assert_array_equal(model.errors_[:, 0, 0], errors)
    np.testing.assert_array_equal(model.residuals_[:, 0, 0], np.abs(errors))
    got = model.predict_quantiles(_future(1), quantiles=(0.2, 0.5, 0.8)).to_numpy()[0]
    ranked = np.sort(errors)
    # q = 0.2: floor(10 * 0.2) = 2nd smallest; q = 0.8: ceil(10 * 0.8) = 8th;
    # q = 0.5: the point forecast plus the 5th smallest error.
    np.testing.assert_array_equal(got, 11.0 + ranked[[1, 4, 7]])
    # Too few errors for the tails of a 95 % interval (rank floor(10 * 0.025)
    # = 0 below, ceil(10 * 0.975) = 10 > 9 above): an error saying how many.
    with pytest.raises(ValueError, match=r"the 0\.025 quantile needs at least 39 calibration "
                                         r"errors per step, but ConformalForecaster has 9"):
        model.predict_interval(_future(1), coverage=0.95)
    with pytest.raises(ValueError, match=r"'symmetric' parameter .* 'bool'"):
        ConformalForecaster(NaiveForecaster(), symmetric=1).fit(None, y)


def test_conformal_asymmetric_follows_skewed_errors():
    # Exponential noise around a constant: errors of the mean forecast are
    # skewed right, so the asymmetric interval reaches further above the
    # forecast than below, and both cover about 90 %.
    rng = np.random.default_rng(18)
    y = 5 + rng.exponential(1.0, size=(240, 200))
    fitted = {}
    for symmetric in (True, False):
        model = ConformalForecaster(NaiveForecaster(strategy="mean"), n_windows=40,
                                    pooling="pooled", symmetric=symmetric).fit(None, y[:200])
        interval = model.predict_interval(_future(1), coverage=0.9)
        fitted[symmetric] = (_coverage(interval, y[200:201]), interval.to_numpy().reshape(-1, 2),
                             np.asarray(model.predict(_future(1)))[0])
    coverage, bounds, point = fitted[False]
    assert abs(coverage - 0.9) < 0.05 and abs(fitted[True][0] - 0.9) < 0.05
    assert np.all(bounds[:, 1] - point > 2 * (point - bounds[:, 0]))


def test_unsorted_quantile_levels_keep_their_labels():
    from seqforecast import NaiveForecaster, load_airpassengers

    y = load_airpassengers().astype(float)
    model = NaiveForecaster().fit(None, y)
    future = pd.DataFrame(index=pd.date_range("1961-01", periods=3, freq="MS"))
    ordered = model.predict_quantiles(future, quantiles=(0.1, 0.5, 0.9))
    shuffled = model.predict_quantiles(future, quantiles=(0.9, 0.1, 0.5))
    for q in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(shuffled[q], ordered[q])
    assert np.all(ordered[0.1] < ordered[0.9])


def test_conformal_bounds_of_every_series_at_once_equal_each_alone():
    from seqforecast.conformal import _conformal_bound, _conformal_bounds

    rng = np.random.default_rng(0)
    errors = rng.normal(size=(12, 40))
    errors[rng.random(errors.shape) < 0.3] = np.nan  # series with fewer errors
    errors[:, 0] = np.nan  # none at all
    for q in (0.02, 0.1, 0.5, 0.8, 0.95, 0.99):
        for upper in (True, False):
            expected = [_conformal_bound(errors[:, i], q, upper) for i in range(40)]
            np.testing.assert_array_equal(_conformal_bounds(errors, q, upper), expected)
    assert np.all(_conformal_bounds(np.empty((0, 3)), 0.9, True) == np.inf)


def test_conformal_wraps_a_forecaster_whose_fit_takes_no_static_features():
    # A subclass overriding fit(X, y) is a common way to log or adapt a fit.
    class Logged(NaiveForecaster):
        def fit(self, X, y):
            return super().fit(X, y)

    y = np.cumsum(np.random.default_rng(3).normal(size=60))
    model = ConformalForecaster(Logged(), horizon=3, n_windows=10).fit(None, y)
    plain = ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=10).fit(None, y)
    np.testing.assert_array_equal(model.errors_, plain.errors_)
