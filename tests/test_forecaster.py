"""RNNForecaster, LSTMForecaster and GRUForecaster: the sklearn layer over skorch."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from seqforecast.baselines import NaiveForecaster
from seqforecast.datasets import load_airpassengers
from seqforecast.metrics import smape
from seqforecast.neural import GRUForecaster, LSTMForecaster, RNNForecaster

TINY = dict(hidden_size=8, max_epochs=3, windows_per_epoch=64, random_state=0)


def seasonal_panel(n=100):
    t = np.arange(n)
    index = pd.date_range("2010-01-01", periods=n, freq="MS")
    b = np.cos(t / 3) + 5
    b[: n - 20] = np.nan  # a series much shorter than the others
    y = pd.DataFrame({"a": np.sin(t / 3) + 5, "b": b}, index=index)
    X = pd.DataFrame({"x": np.sin(t / 5)}, index=index)
    return y, X


@pytest.mark.parametrize("strategy", ["mimo", "recursive", "seq2seq"])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "peephole", "coupled"])
def test_every_cell_and_strategy_forecasts_a_ragged_panel_with_covariates(cell, strategy):
    y, X = seasonal_panel()
    f = RNNForecaster(
        cell=cell, strategy=strategy, horizon=4, lookback=12,
        bidirectional=cell == "gru", **TINY,
    ).fit(X.iloc[:90], y.iloc[:90])
    pred = f.predict(X.iloc[90:])
    assert isinstance(pred, pd.DataFrame)
    assert pred.index.equals(X.index[90:])
    assert list(pred.columns) == ["a", "b"]
    assert np.isfinite(pred.to_numpy()).all()
    # Per-window mean scaling makes the model scale-equivariant: multiplying
    # the short series ("b", 10 observations before the cut) by 10 leaves the
    # training identical and multiplies its forecasts by 10, so its forecasts
    # come from its own values and never from the padding.
    y10 = y.assign(b=y["b"] * 10)
    g = clone(f).fit(X.iloc[:90], y10.iloc[:90])
    pred10 = g.predict(X.iloc[90:])
    np.testing.assert_allclose(pred10["b"], 10 * pred["b"], rtol=1e-4)
    np.testing.assert_allclose(pred10["a"], pred["a"], rtol=1e-4)


def test_training_loss_falls_by_half_on_an_easy_series():
    y = 10 + np.sin(np.arange(200) * 2 * np.pi / 12)
    f = GRUForecaster(horizon=6, lookback=24, hidden_size=16, max_epochs=15,
                      windows_per_epoch=256, lr=5e-3, random_state=0).fit(None, y)
    losses = f.net_.history[:, "train_loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_same_random_state_same_forecast_and_global_rng_untouched():
    y, X = seasonal_panel()
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    first = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X.iloc[:90], y.iloc[:90])
    assert torch.equal(torch.random.get_rng_state(), state)
    second = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X.iloc[:90], y.iloc[:90])
    pd.testing.assert_frame_equal(first.predict(X.iloc[90:]), second.predict(X.iloc[90:]))
    other = LSTMForecaster(horizon=4, lookback=12, **{**TINY, "random_state": 1})
    other.fit(X.iloc[:90], y.iloc[:90])
    assert not np.allclose(other.predict(X.iloc[90:]), first.predict(X.iloc[90:]))


def test_long_forecasts_chain_the_network_and_keep_the_first_steps():
    y, X = seasonal_panel()
    f = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X.iloc[:90], y.iloc[:90])
    long = f.predict(X.iloc[90:100])  # 10 steps: three chained passes of 4
    short = f.predict(X.iloc[90:94])
    pd.testing.assert_frame_equal(long.iloc[:4], short)
    # The second pass starts from the first pass's forecasts as history.
    g = clone(f)
    g.__dict__.update(f.__dict__)
    g.update(X.iloc[90:94], short)
    np.testing.assert_allclose(g.predict(X.iloc[94:98]).to_numpy(), long.iloc[4:8].to_numpy())


def test_covariates_are_used():
    # y copies a covariate that is known in advance: only a model that reads
    # the future covariates can forecast it.
    rng = np.random.default_rng(0)
    x = rng.choice([0.0, 1.0], size=400)
    y = 5 + 3 * x
    X = pd.DataFrame({"promo": x})
    params = dict(horizon=4, lookback=8, hidden_size=16, max_epochs=20,
                  windows_per_epoch=512, lr=5e-3, random_state=0)
    with_x = LSTMForecaster(**params).fit(X.iloc[:380], y[:380])
    without = LSTMForecaster(**params).fit(None, y[:380])
    err_with = np.abs(with_x.predict(X.iloc[380:]) - y[380:]).mean()
    err_without = np.abs(without.predict(np.zeros((20, 0))) - y[380:]).mean()
    assert err_with < 0.5 * err_without


@pytest.mark.parametrize("scaling", ["mean", "recent", "smoothed", "standard", None])
def test_scalings_forecast_on_the_original_scale(scaling):
    y = 1000 + 50 * np.sin(np.arange(120) * 2 * np.pi / 12)
    f = GRUForecaster(horizon=12, lookback=24, scaling=scaling, hidden_size=16,
                      max_epochs=10, windows_per_epoch=256, lr=5e-3, random_state=0)
    pred = f.fit(None, y).predict(np.zeros((12, 0)))
    if scaling is None:
        # Raw values of 1000 are far from what a fresh network outputs.
        assert np.abs(pred - 1000).mean() > 100
    else:
        assert np.abs(pred - 1000).mean() < 100


def test_early_stopping_holds_out_the_last_horizon():
    y, _ = seasonal_panel()
    f = LSTMForecaster(horizon=4, lookback=12, early_stopping=2, **{**TINY, "max_epochs": 4})
    # The numpy windows, whose target starts can be read (the validation
    # windows are chosen before the path; test_data.py compares the device
    # path's validation losses with these).
    f._device_resident = False
    f.fit(None, y)
    history = f.net_.history
    assert "valid_loss" in history[-1]
    # The validation set is the window ending at the last row of each series.
    valid = f.net_.train_split.keywords["valid_ds"] if hasattr(
        f.net_.train_split, "keywords") else None
    assert valid is not None
    assert set(valid.target_start.tolist()) == {len(y) - 4}
    # Training windows end before the held-out steps.
    assert f.n_train_windows_ < LSTMForecaster(horizon=4, lookback=12, **TINY).fit(
        None, y).n_train_windows_


def test_save_and_load_round_trip(tmp_path):
    y, X = seasonal_panel()
    f = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(X.iloc[:90], y.iloc[:90])
    f.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "forecaster.json").read_text())
    assert meta["class"] == "LSTMForecaster"
    assert meta["params"]["lookback"] == 12
    g = LSTMForecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(g.predict(X.iloc[90:]), f.predict(X.iloc[90:]))
    with pytest.raises(ValueError, match=r"holds a LSTMForecaster, which GRUForecaster\.load"):
        GRUForecaster.load(tmp_path / "model")
    with pytest.raises(ValueError, match="is not a saved forecaster"):
        LSTMForecaster.load(tmp_path)


def test_presets_expose_all_parameters():
    params = LSTMForecaster().get_params()
    assert params["cell"] == "lstm"
    assert set(params) == set(RNNForecaster().get_params())
    assert GRUForecaster().get_params()["cell"] == "gru"
    assert clone(LSTMForecaster(cell="peephole", hidden_size=3)).get_params()["hidden_size"] == 3


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"cell": "transformer"}, r"'cell' parameter of RNNForecaster must be a str among"),
        ({"strategy": "direct"}, r"'strategy' parameter .* Got 'direct'"),
        ({"hidden_size": 0}, r"'hidden_size' parameter .* int in the range \[1, inf\)\. Got 0"),
        ({"hidden_size": True}, r"'hidden_size' parameter .* Got True"),
        ({"bidirectional": 1}, r"'bidirectional' parameter .* Got 1 instead"),
        ({"dropout": 1.5}, r"'dropout' parameter .* Got 1\.5"),
        ({"lookback": 4, "min_observed": 6}, r"min_observed=6 is larger than lookback=4"),
        ({"net_params": [1]}, r"'net_params' parameter of RNNForecaster must be an instance"),
        ({"encoder": "tcn"}, r"'encoder' parameter of RNNForecaster must be a str among"),
        ({"attention": True}, r"attention=True needs strategy='seq2seq'"),
        ({"encoder": "transformer", "hidden_size": 6}, r"hidden_size to be a multiple of n_h"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        RNNForecaster(**params).fit(None, np.arange(50.0))


def test_too_short_history_says_what_is_needed():
    with pytest.raises(ValueError, match=r"y has 20 observations .* needs at least 30"):
        LSTMForecaster(lookback=24, horizon=6, min_observed=24).fit(None, np.arange(20.0))


def test_default_lookback_and_horizon_follow_the_season():
    y = load_airpassengers().astype(float)
    f = LSTMForecaster(**TINY).fit(None, y)
    # Two seasons ahead would leave 85 windows of one series: little data, so
    # at most an eighth of the 144 months ahead; three seasons back fit in a
    # quarter of them.
    assert (f.seasonal_period_, f.horizon_, f.lookback_, f.min_observed_) == (12, 18, 36, 18)


@pytest.mark.slow
@pytest.mark.parametrize("forecaster", [LSTMForecaster, GRUForecaster])
def test_defaults_beat_seasonal_naive_on_airpassengers(forecaster):
    y = load_airpassengers().astype(float)
    train, test = y.iloc[:-12], y.iloc[-12:]
    horizon = pd.DataFrame(index=test.index)
    naive = NaiveForecaster(strategy="seasonal").fit(None, train).predict(horizon)
    neural = forecaster(horizon=12, random_state=0).fit(None, train).predict(horizon)
    assert smape(test, neural) < smape(test, naive)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_trains_and_predicts_on_cuda():
    y, X = seasonal_panel()
    # The same batch on both (the default is 512 on a GPU, 32 on the CPU).
    f = LSTMForecaster(horizon=4, lookback=12, device="cuda", batch_size=32, **TINY)
    pred = f.fit(X.iloc[:90], y.iloc[:90]).predict(X.iloc[90:])
    assert next(f.net_.module_.parameters()).is_cuda
    cpu = LSTMForecaster(horizon=4, lookback=12, batch_size=32, **TINY).fit(
        X.iloc[:90], y.iloc[:90])
    np.testing.assert_allclose(pred.to_numpy(), cpu.predict(X.iloc[90:]).to_numpy(), atol=1e-3)


def noisy_seasonal(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return 10 + np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.3, n)


@pytest.mark.parametrize("loss", ["quantile", "gaussian"])
def test_probabilistic_losses_give_ordered_quantiles_and_median_point(loss, tmp_path):
    y = noisy_seasonal()
    f = GRUForecaster(horizon=6, lookback=24, hidden_size=16, max_epochs=8, lr=5e-3,
                      loss=loss, random_state=0).fit(None, y[:288])
    horizon = np.zeros((12, 0))
    q = f.predict_quantiles(horizon, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))
    values = q.to_numpy()
    assert list(q.columns) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert np.all(np.diff(values, axis=1) > 0)
    # The point forecast is the median (quantile loss) or the mean (gaussian,
    # symmetric): both equal the 0.5 quantile.
    np.testing.assert_allclose(values[:, 2], f.predict(horizon), rtol=1e-6)
    interval = f.predict_interval(horizon, coverage=0.5)
    np.testing.assert_allclose(interval.to_numpy(), values[:, [1, 3]], rtol=1e-6)
    f.save(tmp_path / "m")
    loaded = GRUForecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict_quantiles(horizon, (0.05, 0.5)),
                                  f.predict_quantiles(horizon, (0.05, 0.5)))


def test_quantiles_between_learned_ones_are_interpolated():
    y = noisy_seasonal()
    f = GRUForecaster(horizon=6, lookback=24, hidden_size=8, max_epochs=2,
                      loss="quantile", quantiles=(0.1, 0.5, 0.9), random_state=0)
    f.fit(None, y)
    q = f.predict_quantiles(np.zeros((6, 0)), quantiles=(0.1, 0.3, 0.5, 0.7, 0.9)).to_numpy()
    np.testing.assert_allclose(q[:, 1], (q[:, 0] + q[:, 2]) / 2)
    np.testing.assert_allclose(q[:, 3], (q[:, 2] + q[:, 4]) / 2)
    with pytest.raises(ValueError, match=r"outside the learned range \[0\.1, 0\.9\]"):
        f.predict_quantiles(np.zeros((6, 0)), quantiles=(0.05,))


def test_gaussian_quantiles_follow_the_normal_distribution():
    y = noisy_seasonal()
    f = GRUForecaster(horizon=6, lookback=24, hidden_size=8, max_epochs=2,
                      loss="gaussian", random_state=0).fit(None, y)
    q = f.predict_quantiles(np.zeros((6, 0)), quantiles=(0.5, 0.8413447460685429)).to_numpy()
    sd = q[:, 1] - q[:, 0]  # mean + 1 sd is the 84.13 % quantile
    q95 = f.predict_quantiles(np.zeros((6, 0)), quantiles=(0.975,)).to_numpy()[:, 0]
    np.testing.assert_allclose(q95, q[:, 0] + 1.959963984540054 * sd, rtol=1e-5)


@pytest.mark.parametrize("loss", ["quantile", "gaussian"])
def test_intervals_keep_widening_past_the_horizon(loss):
    # Gaussian random walks: the 90 % interval at step k is 1.645 * sqrt(k)
    # wide on each side. Chained chunks used to start again at the width of
    # step 1 (coverage 0.52 at step 7 of a horizon of 3).
    rng = np.random.default_rng(0)
    full = 100 + np.cumsum(rng.normal(size=(69, 200)), axis=0)
    f = GRUForecaster(hidden_size=16, lookback=12, horizon=3, loss=loss, max_epochs=10,
                      windows_per_epoch=2000, seasonal_period=1, random_state=0)
    f.fit(None, full[:60])
    bounds = f.predict_interval(np.empty((9, 0)), coverage=0.9).to_numpy().reshape(9, 200, 2)
    width = (bounds[..., 1] - bounds[..., 0]).mean(axis=1)
    assert np.all(np.diff(width) > 0)
    covered = ((full[60:] >= bounds[..., 0]) & (full[60:] <= bounds[..., 1])).mean(axis=1)
    assert covered[3:].min() > 0.85


@pytest.mark.parametrize("loss", ["quantile", "gaussian"])
def test_chained_spread_adds_in_quadrature(loss, monkeypatch):
    f = GRUForecaster(horizon=2, lookback=4, loss=loss, quantiles=(0.1, 0.5, 0.9),
                      seasonal_period=1, **TINY).fit(None, noisy_seasonal(40))
    # Chunks with known outputs: median 10 (then 20, 30), offsets 1 and 2 at
    # the chunk's two steps (quantile: -offset, 0, +offset; gaussian: sd);
    # the second chunk is forecast from a negative scale (columns mirrored).
    calls = []

    def chunk(y, X, X_next):
        calls.append(len(calls))
        k = len(calls)
        if loss == "gaussian":
            out = np.array([[[10.0 * k, 1.0]], [[10.0 * k, 2.0]]])
        else:
            out = np.array([[[10.0 * k - 1, 10 * k, 10 * k + 1]],
                            [[10.0 * k - 2, 10 * k, 10 * k + 2]]])
        negative = np.array([k == 2])
        return (out[..., ::-1].copy() if k == 2 and loss == "quantile" else out), negative

    monkeypatch.setattr(f, "_forecast_chunk", chunk)
    q = f.predict_quantiles(np.empty((6, 0)), quantiles=(0.1, 0.5, 0.9)).to_numpy()
    z = 1.2815515655446004 if loss == "gaussian" else 1.0  # the 0.9 quantile in sds
    # Spread (in offsets or sds): 1, 2 | sqrt(1 + 4), sqrt(4 + 4) | then + 8.
    spread = np.array([1, 2, np.sqrt(5), np.sqrt(8), np.sqrt(9), np.sqrt(12)])
    np.testing.assert_allclose(q[:, 1], [10, 10, 20, 20, 30, 30])
    np.testing.assert_allclose(q[:, 2] - q[:, 1], z * spread, rtol=1e-6)
    np.testing.assert_allclose(q[:, 1] - q[:, 0], z * spread, rtol=1e-6)


def test_a_refit_with_a_point_loss_drops_the_learned_quantiles():
    f = GRUForecaster(horizon=6, lookback=12, loss="quantile", **TINY)
    f.fit(None, noisy_seasonal(100))
    assert hasattr(f, "quantiles_")
    f.set_params(loss="mae").fit(None, noisy_seasonal(100))
    assert not hasattr(f, "quantiles_")


def test_standard_scaling_of_values_beyond_1e154_keeps_the_scale():
    # The squares of the deviations overflowed: the standard deviation was
    # inf and every forecast inf, without an error.
    y = noisy_seasonal(60)[:, None] * np.array([1.0, 2.0])
    params = dict(horizon=4, lookback=8, scaling="standard", **TINY)
    small = RNNForecaster(**params).fit(None, y).forecast(4)
    huge = RNNForecaster(**params).fit(None, 1e200 * y).forecast(4)
    np.testing.assert_allclose(huge / 1e200, small, rtol=1e-5)


def test_point_losses_refuse_quantiles():
    f = GRUForecaster(horizon=6, lookback=12, **TINY).fit(None, noisy_seasonal(100))
    with pytest.raises(ValueError, match="point forecasts only; train with loss='quantile'"
                                         r".*ConformalForecaster"):
        f.predict_interval(np.zeros((6, 0)))


def test_panel_series_too_short_for_a_window_are_still_forecast():
    y, _ = seasonal_panel()
    # 5 points: no window, not even one whose future runs past its end
    # (min_observed=12 // 2 and one future step).
    y.loc[y.index[:-5], "b"] = np.nan
    with pytest.warns(UserWarning, match="1 of 2 series give no training window"):
        f = LSTMForecaster(horizon=4, lookback=12, **TINY).fit(None, y)
    assert np.isfinite(f.forecast(4).to_numpy()).all()
    only_short = y[["b"]].iloc[-5:]
    with pytest.raises(ValueError, match=r"y has 5 observations .* needs at least 10"):
        LSTMForecaster(horizon=4, lookback=12, **TINY).fit(None, only_short["b"])


def test_deseasonalize_uses_statsmodels_indices_for_seasonal_series_only():
    from statsmodels.tsa.seasonal import seasonal_decompose

    rng = np.random.default_rng(0)
    t = np.arange(72)
    seasonal = 100 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 1, 72)
    flat = 100 + rng.normal(0, 1, 72)
    y = np.column_stack([seasonal, flat])
    y[:10, 0] = np.nan  # starts later: its indices are aligned on its own rows
    f = LSTMForecaster(horizon=6, lookback=24, seasonal_period=12, **TINY).fit(None, y)
    # The indices of the series' last five seasons (rows 12 to 71 of its 62).
    expected = seasonal_decompose(y[12:, 0], model="multiplicative", period=12).seasonal
    np.testing.assert_allclose(f.profile_.at(12, 60)[:, 0], expected)
    np.testing.assert_array_equal(f.profile_.factors[:, 1], 1.0)  # not seasonal
    # Forecast rows continue the seasonal indices: row 75 is 63 steps after
    # row 12, the same position in the season as row 15.
    np.testing.assert_allclose(f.profile_.at(75, 12)[:, 0], np.roll(expected[:12], -3))
    off = LSTMForecaster(horizon=6, lookback=24, seasonal_period=12, deseasonalize=False,
                         **TINY).fit(None, y)
    np.testing.assert_array_equal(off.profile_.factors, 1.0)


def test_networks_deseasonalize_the_series_that_pass_the_theta_test():
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.seasonal import seasonal_decompose
    from statsmodels.tsa.stattools import acf

    # A short series with a clear yearly cycle that the test with Bartlett's
    # variance misses (like M3's N2754: 36 months, r_12 about 0.6), beside
    # white noise that neither test passes.
    rng = np.random.default_rng(4)
    t = np.arange(36)
    cycle = 100 * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 4, 36)
    noise = 100 + rng.normal(0, 4, 36)
    r = acf(cycle, nlags=12, fft=False)
    assert abs(r[12]) < 1.645 * np.sqrt((1 + 2 * np.sum(r[1:12] ** 2)) / 36)  # Bartlett: no
    for values, seasonal in ((cycle, True), (noise, False)):
        theta = ThetaModel(values, period=12, deseasonalize=True)
        theta._test_seasonality()
        assert theta._has_seasonality == seasonal
    y = np.column_stack([cycle, noise])
    f = LSTMForecaster(horizon=6, lookback=12, seasonal_period=12, **TINY).fit(None, y)
    # 36 points: fewer than five seasons, so the indices are the whole series'.
    expected = seasonal_decompose(cycle, model="multiplicative", period=12).seasonal[:12]
    np.testing.assert_allclose(f.profile_.factors[:, 0], expected)
    np.testing.assert_array_equal(f.profile_.factors[:, 1], 1.0)


def test_deseasonalizing_helps_a_short_training_budget_on_a_seasonal_series():
    # A multiplicative season at a slowly growing level: deseasonalised, what
    # remains is a smooth trend that a briefly trained network gets right;
    # without it the network must learn the whole season.
    t = np.arange(96)
    y = (50 + 0.2 * t) * (1 + 0.4 * np.sin(2 * np.pi * t / 12))
    params = dict(horizon=12, lookback=24, seasonal_period=12, hidden_size=8,
                  max_epochs=5, windows_per_epoch=128, lr=1e-2, random_state=0)
    errors = {}
    for deseasonalize in (True, False):
        f = GRUForecaster(deseasonalize=deseasonalize, **params).fit(None, y[:84])
        errors[deseasonalize] = np.abs(f.predict(np.zeros((12, 0))) - y[84:]).mean()
    assert errors[True] < 0.5 * errors[False]


# ------------------------------------------------------- training feedback
def _wavy(n=200):
    rng = np.random.default_rng(0)
    return 10 + np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.3, n)


ES_SMALL = dict(horizon=6, lookback=24, hidden_size=8, windows_per_epoch=64, random_state=0)


def test_early_stopping_reports_the_epoch_it_stopped_at(capsys):
    f = GRUForecaster(max_epochs=30, early_stopping=2, lr=5e-3, verbose=1, **ES_SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        f.fit(None, _wavy())
    losses = f.net_.history[:, "valid_loss"]
    assert f.n_epochs_ == len(losses) < 30
    assert f.best_epoch_ == int(np.argmin(losses)) + 1
    # Patience 2: the two epochs after the best did not improve on it.
    assert f.n_epochs_ == f.best_epoch_ + 2
    out = capsys.readouterr().out
    assert (f"early stopping triggered at epoch {f.n_epochs_} of 30" in out
            and f"kept the weights of epoch {f.best_epoch_}" in out)
    silent = GRUForecaster(max_epochs=4, **ES_SMALL).fit(None, _wavy())
    assert (silent.n_epochs_, silent.best_epoch_) == (4, None)


def test_early_stopping_warns_when_still_improving_or_never_improving():
    with pytest.warns(ConvergenceWarning, match="still falling at the last.*raise max_epochs"):
        f = GRUForecaster(max_epochs=3, early_stopping=3, lr=1e-3, **ES_SMALL).fit(None, _wavy())
    assert f.best_epoch_ == f.n_epochs_ == 3
    # lr=30 diverges, and its validation loss jumps about from epoch to epoch;
    # with this seed the first epoch stays the lowest (seed 2 until the
    # networks' seasonal indices came from the last five seasons).
    with pytest.warns(ConvergenceWarning, match="lowest after the first epoch.*lower lr"):
        f = GRUForecaster(max_epochs=8, early_stopping=3, lr=30.0, clip_grad_norm=None,
                          **{**ES_SMALL, "random_state": 5}).fit(None, _wavy())
    assert f.best_epoch_ == 1


def test_mase_loss_scale_by_hand():
    from seqforecast.neural.data import relative_naive_scale as _relative_naive_scale

    t = np.arange(48, dtype=float)
    smooth = 100 + t  # one-step naive MAE 1 at level ~124
    rough = 100 + 10 * (t % 2)  # naive MAE 10 at level 105
    y = np.column_stack([smooth, rough, rough])
    scale = _relative_naive_scale(y, 1, 1e-8)
    ratios = np.array([1 / np.mean(smooth), 10 / np.mean(rough), 10 / np.mean(rough)])
    np.testing.assert_allclose(scale, np.array([1.0, 10.0, 10.0]) / np.median(ratios))
    # Seasonal lag: the seasonal naive error of a purely seasonal series is 0,
    # so it falls back to the typical scale times its level.
    seasonal = np.tile([1.0, 2.0, 3.0, 4.0], 12)
    s2 = _relative_naive_scale(np.column_stack([seasonal, rough]), 4, 1e-8)
    assert np.isfinite(s2).all()


@pytest.mark.parametrize("loss", ["mae", "mse", "quantile"])
def test_weighted_loss_equals_the_weighted_mean(loss):
    f = LSTMForecaster(loss=loss, loss_scale="mase", horizon=3, lookback=6, **TINY)
    y = load_airpassengers().astype(float)
    f.fit(None, y)
    torch.manual_seed(0)
    n_out = f._n_outputs()
    y_pred = torch.randn(5, 3, n_out)
    target = torch.randn(5, 3, 1)
    weight = torch.rand(5, 1, 1).expand(5, 3, 1) * 3
    got = f.net_.get_loss(y_pred, torch.cat([target, weight], dim=2))
    if loss == "mae":
        expected = (weight * (y_pred - target).abs()).mean()
    elif loss == "mse":
        expected = (weight * (y_pred - target) ** 2).mean()
    else:
        q = torch.as_tensor(f.quantiles_, dtype=torch.float32)
        error = target - y_pred
        expected = (weight * torch.maximum(q * error, (q - 1) * error)).mean()
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize(("loss", "weighted"), [
    ("mae", False), ("mse", False), ("quantile", False), ("gaussian", False),
    # loss_scale="mase" (a weight channel) takes no gaussian loss.
    ("mae", True), ("mse", True), ("quantile", True),
])
def test_loss_of_partial_targets_counts_their_observed_steps(loss, weighted):
    """NaN target steps (a future past the end of its series) are left out of the mean."""
    f = LSTMForecaster(loss=loss, loss_scale="mase" if weighted else "window", horizon=3,
                       lookback=6, **TINY).fit(None, load_airpassengers().astype(float))
    torch.manual_seed(0)
    y_pred = torch.randn(5, 3, f._n_outputs())
    target = torch.randn(5, 3, 1)
    target[1, 2] = target[3, 1:] = float("nan")
    observed = ~torch.isnan(target[..., 0])
    weight = torch.rand(5, 1, 1).expand(5, 3, 1) * 3
    full = torch.cat([target, weight], dim=2) if weighted else target
    # The loss over the 12 observed steps, each as in a whole window.
    expected = f.net_.get_loss(y_pred[observed][None], full[observed][None])
    f.net_.partial_targets = True
    got = f.net_.get_loss(y_pred, full)
    assert torch.isfinite(got)
    torch.testing.assert_close(got, expected)
    if loss == "mae":  # by hand
        error = (y_pred - target).abs()[observed]
        if weighted:
            error = error * weight[observed]
        torch.testing.assert_close(got, error.sum() / 12)
    # Without partial targets the NaN would reach the loss.
    f.net_.partial_targets = False
    assert torch.isnan(f.net_.get_loss(y_pred, full))


def test_mase_loss_scale_trains_and_rejects_gaussian():
    y = load_airpassengers().astype(float)
    f = LSTMForecaster(loss_scale="mase", horizon=12, **TINY).fit(None, y)
    assert np.all(np.isfinite(f.forecast(12)))
    with pytest.raises(ValueError, match="loss_scale='mase'"):
        LSTMForecaster(loss="gaussian", loss_scale="mase", **TINY).fit(None, y)
    with pytest.raises(ValueError, match="loss_scale"):
        LSTMForecaster(loss_scale="relative", **TINY).fit(None, y)


@pytest.mark.parametrize("params, expected", [
    ({}, "mase"),
    ({"loss": "quantile"}, "mase"),
    ({"loss": "gaussian"}, "window"),
    ({"scaling": "recent"}, "mase"),
    ({"scaling": "standard"}, "window"),
    ({"scaling": None}, "window"),
    ({"loss_scale": "window"}, "window"),
])
def test_auto_loss_scale_is_mase_where_it_applies(params, expected):
    y = load_airpassengers().astype(float)
    f = LSTMForecaster(horizon=6, lookback=12, **{**TINY, "max_epochs": 2}, **params)
    f.fit(None, y)
    assert f.loss_scale == params.get("loss_scale", "auto")
    assert f.loss_scale_ == expected
    # "auto" trains exactly as the scale it resolves to.
    explicit = clone(f).set_params(loss_scale=expected).fit(None, y)
    np.testing.assert_array_equal(f.forecast(6), explicit.forecast(6))
    if expected == "mase" and not params:
        other = clone(f).set_params(loss_scale="window").fit(None, y)
        assert not np.allclose(f.forecast(6), other.forecast(6))


def test_mase_loss_scale_needs_mean_scaling():
    y = load_airpassengers().astype(float)
    with pytest.raises(ValueError, match="needs a window scaling, 'mean', 'recent' or 'smoothed'"):
        LSTMForecaster(loss_scale="mase", scaling="standard", **TINY).fit(None, y)


def test_batch_size_defaults_to_the_device(monkeypatch):
    y = np.sin(np.arange(96) * 2 * np.pi / 12) + 3
    cpu = RNNForecaster(max_epochs=1, hidden_size=4, random_state=0).fit(None, y)
    assert cpu.batch_size is None and cpu.batch_size_ == 32
    # One epoch of 20 batches times 4 (85 windows a series: the long-series
    # factor's cap), under the small-data budget (340 steps).
    assert cpu.n_train_windows_ == 85 and cpu.windows_per_epoch_ == 80 * 32
    assert RNNForecaster(batch_size=8, max_epochs=1, hidden_size=4).fit(None, y).batch_size_ == 8
    # On a CUDA device the default is 512 (checked without a GPU: only the
    # parameters are resolved, nothing is trained).
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    gpu = RNNForecaster(device="cuda")
    gpu._validate_history(None, y)
    assert gpu.batch_size_ == 512


def _panel_of_lengths(lengths, seed=0):
    """A right-aligned panel (NaN before each series starts) of the given lengths."""
    rng = np.random.default_rng(seed)
    n_rows = max(lengths)
    y = 2.0 + np.sin(np.arange(n_rows)[:, None] / 3.0) + 0.1 * rng.random((n_rows, len(lengths)))
    for j, length in enumerate(lengths):
        y[: n_rows - length, j] = np.nan
    return pd.DataFrame(y)


@pytest.mark.parametrize(
    ("lengths", "expected_windows", "expected_batches"),
    [
        # Lookback 12 (min_observed 6), horizon 6: a series of n points gives
        # n - 11 windows. 40 series of 41 points: 30 windows each, 1,200 in
        # all; 30 / 10 = 3 times the 20 batches of an epoch.
        ([41] * 40, 1200, 60),
        # Short (yearly-like) series, 6 windows each: the 20 batches.
        ([17] * 300, 1800, 20),
        # 100 windows a series: the factor stops at 4.
        ([111] * 20, 2000, 80),
        # The mean over the series that give windows: 20 of 30 and 20 of 10
        # windows (20 a series, twice the batches); 40 series too short for
        # any window (5 points) are forecast but do not count.
        ([41] * 20 + [21] * 20 + [5] * 40, 800, 40),
    ],
)
def test_default_budget_grows_with_windows_per_series(lengths, expected_windows,
                                                      expected_batches):
    f = LSTMForecaster(hidden_size=4, lookback=12, horizon=6, batch_size=32, max_epochs=1,
                       random_state=0).fit(None, _panel_of_lengths(lengths))
    assert f.n_train_windows_ == expected_windows
    assert f.windows_per_epoch_ == expected_batches * 32
    assert [len(epoch["batches"]) for epoch in f.net_.history] == [expected_batches]


def test_fixed_budget_when_the_growth_is_off(monkeypatch):
    from seqforecast.neural import forecaster

    y = _panel_of_lengths([41] * 40)
    monkeypatch.setattr(forecaster, "_WINDOWS_PER_SERIES", None)
    f = LSTMForecaster(hidden_size=4, lookback=12, horizon=6, batch_size=32, max_epochs=1,
                       random_state=0).fit(None, y)
    assert f.windows_per_epoch_ == 20 * 32


@pytest.mark.parametrize(
    ("n", "max_epochs", "windows_per_epoch", "expected_batches"),
    [
        # 60 points, lookback 12 (min_observed 6), horizon 6: 49 windows,
        # 4 steps each = 196 < 250, so 250 steps: 5 batches an epoch of 50.
        (60, 50, None, 5),
        # 110 points: 99 windows, 396 steps: 8 batches (400 steps).
        (110, 50, None, 8),
        # 400 points: 389 windows, one series: the long-series budget is 4 x
        # 1,000 steps, the small-data one 1,556: 32 batches (1,600 steps).
        (400, 50, None, 32),
        # A budget the user already made smaller (2 epochs) keeps its epoch
        # length, 20 batches times the long-series factor (49 windows per
        # series / 10, at most 4): 80 batches, 160 steps under the small
        # budget's 250; 200 epochs multiply the small-data budget by 4:
        # 1,584 steps, 8 batches an epoch.
        (60, 2, None, 80),
        (110, 200, None, 8),
        # An explicit epoch length is the user's.
        (60, 50, 96, 3),
    ],
)
def test_default_budget_shrinks_on_little_data(n, max_epochs, windows_per_epoch,
                                               expected_batches):
    y = np.sin(np.arange(n) / 3.0) + 2.0
    f = LSTMForecaster(hidden_size=4, lookback=12, horizon=6, batch_size=32,
                       max_epochs=max_epochs, windows_per_epoch=windows_per_epoch,
                       random_state=0).fit(None, y)
    assert f.n_train_windows_ == n - 6 - 6 + 1
    assert f.windows_per_epoch_ == expected_batches * 32
    # The steps taken: every epoch draws windows_per_epoch_ windows in batches of 32.
    assert len(f.net_.history) == max_epochs
    assert all(len(epoch["batches"]) == expected_batches for epoch in f.net_.history)


def _optimizer_defaults(**params):
    model = LSTMForecaster(horizon=4, lookback=12, **TINY, **params)
    return model.fit(None, _wavy(60)).net_.optimizer_.defaults


def test_adam_runs_fused_unless_the_user_chooses_its_implementation():
    from seqforecast.neural.forecaster import _fused_adam

    assert _optimizer_defaults()["fused"] is _fused_adam("cpu")  # from torch 2.4 on the CPU
    # A user who chooses the implementation, or another optimizer, gets torch's choice.
    foreach = _optimizer_defaults(net_params={"optimizer__foreach": True})
    assert foreach["foreach"] is True and not foreach["fused"]
    assert not _optimizer_defaults(net_params={"optimizer__fused": False})["fused"]
    adamw = LSTMForecaster(horizon=4, lookback=12, **TINY,
                           net_params={"optimizer": torch.optim.AdamW}).fit(None, _wavy(60))
    assert isinstance(adamw.net_.optimizer_, torch.optim.AdamW)
    assert not adamw.net_.optimizer_.defaults["fused"]
    # A group of weights with its own implementation keeps torch's choice too.
    groups = _optimizer_defaults(net_params={
        "optimizer__param_groups": [("head.*", {"foreach": True})]})
    assert not groups["fused"]


@pytest.mark.skipif(torch.__version__ < "2.4", reason="fused Adam on the CPU: torch >= 2.4")
def test_fused_adam_trains_as_torch_s_loop_over_the_weights():
    # The reference: torch's single-tensor Adam, the same seed and batches.
    params = dict(horizon=6, lookback=24, hidden_size=8, max_epochs=5,
                  windows_per_epoch=128, random_state=0, weight_decay=1e-3)
    y = _wavy()
    fused = LSTMForecaster(**params).fit(None, y)
    loop = LSTMForecaster(**params, net_params={"optimizer__foreach": False}).fit(None, y)
    assert fused.net_.optimizer_.defaults["fused"] and not loop.net_.optimizer_.defaults["fused"]
    for a, b in zip(fused.net_.module_.parameters(), loop.net_.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fused.forecast(6), loop.forecast(6), rtol=1e-5)
    # Both moved the weights: the comparison is not between two untrained networks.
    untrained = LSTMForecaster(**{**params, "max_epochs": 1}).fit(None, y)
    assert not np.allclose(fused.forecast(6), untrained.forecast(6), rtol=1e-3)


def test_fused_adam_where_torch_has_it(monkeypatch):
    from torch.torch_version import TorchVersion

    from seqforecast.neural.forecaster import _fused_adam

    assert _fused_adam("cuda:1") and _fused_adam(torch.device("cuda"))
    assert not _fused_adam("mps") and not _fused_adam("meta")
    monkeypatch.setattr(torch, "__version__", TorchVersion("2.3.1+cpu"))
    assert not _fused_adam("cpu") and _fused_adam("cuda")  # the CPU's came with 2.4
    monkeypatch.setattr(torch, "__version__", TorchVersion("2.4.0"))
    assert _fused_adam("cpu")
