"""Reliability guarantees of the forecaster contract (issue #15).

Atomic ``fit`` and ``update``, ``update`` on the history's time grid, sign
and scale equivariance of the neural mean scaling, metric weights, and
torch's thread setting.
"""

import warnings

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
    with pytest.raises(ValueError, match="need at least 12"):
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
    before = forecaster.predict_interval(future)
    errors = forecaster.errors_.copy()
    inner_rows = len(forecaster.forecaster_.y_history_)
    # The first new row is accepted by the wrapped model, the second is not.
    new = pd.Series([12.0, -1.0], index=pd.date_range("2024-01", periods=2, freq="MS"))
    with pytest.raises(ValueError, match="strictly positive"):
        forecaster.update(None, new)
    assert_array_equal(forecaster.errors_, errors)
    assert len(forecaster.forecaster_.y_history_) == inner_rows
    after = forecaster.predict_interval(future)
    assert_frame_equal(after, before)


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


def test_quantiles_of_a_negative_series_are_ordered_and_mirror_the_positive_one():
    y = _monthly()
    # One global model on a series and its mirror image: their scaled
    # windows are identical, so every output of one mirrors the other's.
    panel = pd.DataFrame({"pos": y, "neg": -y})
    forecaster = LSTMForecaster(loss="quantile", random_state=0, **SMALL).fit(None, panel)
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=5, freq="MS"))
    point = forecaster.predict(future)
    assert_allclose(point["neg"], -point["pos"], rtol=1e-12)
    # Asymmetric levels (interpolated between learned ones): the 0.8 quantile
    # of -y is minus the 0.2 quantile of y.
    q = forecaster.predict_quantiles(future, quantiles=(0.1, 0.5, 0.8))
    mirror = forecaster.predict_quantiles(future, quantiles=(0.2, 0.5, 0.9))
    assert_allclose(q["neg"].to_numpy(), -mirror["pos"].to_numpy()[:, ::-1], rtol=1e-9)
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


def test_asymmetric_learned_quantiles_refuse_levels_a_negative_series_lacks():
    y = _monthly()
    forecaster = LSTMForecaster(
        loss="quantile", quantiles=(0.1, 0.5, 0.8), random_state=0, **SMALL
    ).fit(None, -y)
    future = pd.DataFrame(index=pd.date_range("2024-01", periods=3, freq="MS"))
    # Its windows have a negative scale: the outputs are the 0.2, 0.5 and
    # 0.9 quantiles, so 0.1 is outside what it learned.
    with pytest.raises(ValueError, match=r"learned range \[0\.2, 0\.9\] \(as mirrored"):
        forecaster.predict_quantiles(future, quantiles=(0.1, 0.5))
    q = forecaster.predict_quantiles(future, quantiles=(0.2, 0.9))
    assert np.all(q[0.2] < q[0.9])


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ordinary = make().fit(None, y).forecast(4).to_numpy()
        tiny = make().fit(None, y * 1e-12).forecast(4).to_numpy()
    assert_allclose(tiny, 1e-12 * ordinary, rtol=1e-6, atol=0)


def test_ets_at_tiny_scales_warns_that_its_estimation_failed():
    # statsmodels' ETS estimation is not scale-invariant; at 1e-12 it does not
    # converge, and the forecaster says so rather than failing silently.
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        ETSForecaster(auto=False, trend="add").fit(None, _monthly() * 1e-12)


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
        match=r"The 'n_threads' parameter of LSTMForecaster must be an int >= 1 or None",
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
