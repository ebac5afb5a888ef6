"""The networks' noise-level input: each window's mean one-step change over its scale."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import torch

from seqforecast.neural import GRUForecaster, LSTMForecaster, data
from seqforecast.neural import forecaster as forecaster_module
from seqforecast.neural.data import NOISE_CHANGES, Scaler, WindowDataset, noise_median
from seqforecast.windowing import SlidingWindow

TINY = dict(hidden_size=8, max_epochs=2, windows_per_epoch=64, batch_size=16, random_state=0)


@pytest.fixture
def small_panels_read_it(monkeypatch):
    """The input on the small panels of these tests (little data has none)."""
    monkeypatch.setattr(forecaster_module, "_NOISE_WINDOWS", 0)


def _level_by_hand(window, scale):
    """The input of one window, with a loop over its values: (level, changes observed)."""
    changes = [abs(b - a) / abs(scale) for a, b in itertools.pairwise(window)
               if not (np.isnan(a) or np.isnan(b))]
    if not changes:
        return 1.5, 0  # (log(1) + 3) / 2: replaced by the median anyway
    mean = max(sum(changes) / len(changes), 1e-4)
    return (np.log(mean) + 3) / 2, len(changes)


def _panel(n=60, n_series=4, seed=0, gap=True):
    """Monthly-like series of different noise levels; one starts late, one has a gap."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = np.stack([50 + k * 20 + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12)
                  + rng.normal(0, 0.2 + 2 * k, n) for k in range(n_series)], axis=1)
    y[:25, 1] = np.nan  # a late start: its windows observe fewer changes
    if gap:
        y[40:43, 2] = np.nan  # a gap inside a series (windows only; forecasters refuse it)
    return y


def test_noise_level_equals_a_loop_over_each_window():
    nan = np.nan
    past = np.array([
        [10.0, 11, 10, 12, 12],  # changes 1, 1, 2, 0 over 10: mean 0.1
        [-10.0, -11, -10, -12, -12],  # a negative scale: the same level
        [nan, nan, 4, 4.2, 4.0],  # two changes observed
        [5.0, nan, 5.5, 6, nan],  # one change observed (5.5 -> 6)
        [3.0, 3, 3, 3, 3],  # constant: the floor, 1e-4
        [nan, nan, nan, nan, 7.0],  # no change observed
    ])
    scale = np.array([10.0, -10.0, 4.0, 5.5, 3.0, 7.0])[:, None]
    expected = [_level_by_hand(row, s) for row, s in zip(past, scale[:, 0], strict=True)]
    assert expected[0][0] == pytest.approx((np.log(0.1) + 3) / 2)
    for ops, p, s in ((data._NUMPY, past, scale),
                      (data._TORCH, torch.from_numpy(past), torch.from_numpy(scale))):
        level, seen = data._noise_level(ops, p, s)
        assert tuple(level.shape) == tuple(seen.shape) == (6, 1)
        np.testing.assert_allclose(np.asarray(level)[:, 0], [e[0] for e in expected],
                                   rtol=1e-12)
        np.testing.assert_array_equal(np.asarray(seen)[:, 0], [e[1] for e in expected])


def _windows(y, lookback=30, horizon=4, min_observed=6):
    windows = SlidingWindow(lookback, horizon, min_observed=min_observed).fit(y)
    series_idx, target_start = windows.window_indices()
    scaler = Scaler("recent", y, None)
    return WindowDataset(windows, series_idx, target_start, scaler)


def _levels_by_hand(dataset):
    """(level, changes observed) of every window of ``dataset``, by :func:`_level_by_hand`."""
    past = dataset.windows.past(dataset.series_idx, dataset.target_start)
    _, scale = data._window_scale(data._NUMPY, "recent", dataset.scaler.floor, {}, past, None)
    return [_level_by_hand(w, s) for w, s in zip(past, scale[:, 0], strict=True)]


def test_noise_median_is_the_median_over_windows_with_enough_changes():
    y = _panel()
    dataset = _windows(y)
    by_hand = _levels_by_hand(dataset)
    kept = [level for level, seen in by_hand if seen >= NOISE_CHANGES]
    # The case has windows on both sides of the threshold.
    assert 0 < len(kept) < len(by_hand)
    assert noise_median(dataset) == pytest.approx(float(np.median(kept)), rel=1e-12)
    # No window can observe NOISE_CHANGES changes: no input.
    assert noise_median(_windows(y, lookback=NOISE_CHANGES)) is None
    # Long windows, but every series too short to fill one.
    short = y[-(NOISE_CHANGES + 4):]  # pasts of at most NOISE_CHANGES values
    assert noise_median(_windows(short, lookback=NOISE_CHANGES + 6, min_observed=6)) is None


def test_noise_median_of_many_windows_reads_evenly_spaced_ones(monkeypatch):
    y = _panel(n=120)
    dataset = _windows(y)
    by_hand = _levels_by_hand(dataset)
    n = len(dataset)
    monkeypatch.setattr(data, "_NOISE_SAMPLE", 50)
    picked = [round(k * (n - 1) / 49) for k in range(50)]
    assert picked[0] == 0 and picked[-1] == n - 1 and len(set(picked)) == 50
    kept = [by_hand[k][0] for k in picked if by_hand[k][1] >= NOISE_CHANGES]
    assert noise_median(dataset) == pytest.approx(float(np.median(kept)), rel=1e-12)
    everything = [level for level, seen in by_hand if seen >= NOISE_CHANGES]
    assert float(np.median(kept)) != pytest.approx(float(np.median(everything)), rel=1e-6)


def test_the_last_input_channel_is_the_noise_level_or_the_median():
    y = _panel()
    dataset = _windows(y)
    dataset.scaler.noise = 0.25
    order = np.arange(len(dataset))
    inputs, _ = dataset[order]
    past = inputs["past"].numpy()
    assert past.shape[2] == 2
    # The same value on every step of a window.
    np.testing.assert_array_equal(past[:, :, 1], past[:, :1, 1].repeat(past.shape[1], 1))
    for k, (level, seen) in enumerate(_levels_by_hand(dataset)):
        want = level if seen >= NOISE_CHANGES else 0.25
        assert past[k, 0, 1] == pytest.approx(want, rel=1e-6, abs=1e-6)
    assert {bool(v == np.float32(0.25)) for v in past[:, 0, 1]} == {True, False}
    # The target channel is unchanged by the extra one.
    dataset.scaler.noise = None
    plain, _ = dataset[order]
    assert plain["past"].shape[2] == 1
    np.testing.assert_array_equal(plain["past"].numpy()[:, :, 0], past[:, :, 0])


def _monthly(n=96, n_series=5, seed=0):
    y = _panel(n, n_series, seed, gap=False)
    return pd.DataFrame(y, index=pd.date_range("2000-01", periods=n, freq="MS"),
                        columns=[f"s{k}" for k in range(n_series)])


@pytest.mark.usefixtures("small_panels_read_it")
def test_short_lookbacks_forecast_as_without_the_input():
    y = _monthly()
    new = pd.DataFrame(index=pd.date_range(y.index[-1], periods=9, freq="MS")[1:])
    on = LSTMForecaster(lookback=NOISE_CHANGES, horizon=4, **TINY).fit(None, y)
    off = LSTMForecaster(lookback=NOISE_CHANGES, horizon=4, noise_input=False, **TINY).fit(
        None, y)
    assert on.scaler_.noise is None
    assert on.net_.module_.n_past_features == 1
    pd.testing.assert_frame_equal(on.predict(new), off.predict(new))


@pytest.mark.usefixtures("small_panels_read_it")
def test_long_lookbacks_read_the_input():
    y = _monthly()
    new = pd.DataFrame(index=pd.date_range(y.index[-1], periods=9, freq="MS")[1:])
    on = LSTMForecaster(lookback=36, horizon=4, **TINY).fit(None, y)
    off = LSTMForecaster(lookback=36, horizon=4, noise_input=False, **TINY).fit(None, y)
    assert on.net_.module_.n_past_features == 2
    assert off.net_.module_.n_past_features == 1 and off.scaler_.noise is None
    # The median over the training windows of the deseasonalised series.
    values = y.to_numpy() if on.profile_.is_flat() else on.profile_.divide(y.to_numpy())
    windows = SlidingWindow(36, 4, min_observed=on.min_observed_).fit(values)
    s, t = windows.window_indices()
    assert on.scaler_.noise == pytest.approx(
        noise_median(WindowDataset(windows, s, t, Scaler("recent", values, None))))
    assert not np.allclose(on.predict(new), off.predict(new))
    # The level is relative to each window's scale: forecasts of c * y are c
    # times those of y, for a negative c too.
    for c in (1e3, -2.0):
        scaled = LSTMForecaster(lookback=36, horizon=4, **TINY).fit(None, c * y)
        np.testing.assert_allclose(scaled.predict(new), c * on.predict(new), rtol=1e-4)


@pytest.mark.usefixtures("small_panels_read_it")
def test_the_input_with_covariates_and_after_a_save(tmp_path):
    y = _monthly()
    X = pd.DataFrame({"promo": np.arange(len(y) + 8) % 3 == 0}, dtype=float,
                     index=pd.date_range(y.index[0], periods=len(y) + 8, freq="MS"))
    f = GRUForecaster(lookback=36, horizon=4, **TINY).fit(X.iloc[:len(y)], y)
    # Target, covariate, noise level.
    assert f.net_.module_.n_past_features == 3
    forecast = f.predict(X.iloc[len(y):])
    f.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "forecaster.json").read_text())
    assert meta["scaling"]["noise"] == f.scaler_.noise
    g = GRUForecaster.load(tmp_path / "model")
    assert g.scaler_.noise == f.scaler_.noise
    pd.testing.assert_frame_equal(g.predict(X.iloc[len(y):]), forecast)


def test_saves_from_before_the_input_load_without_it(tmp_path):
    y = _monthly()
    new = pd.DataFrame(index=pd.date_range(y.index[-1], periods=5, freq="MS")[1:])
    f = LSTMForecaster(lookback=36, horizon=4, noise_input=False, **TINY).fit(None, y)
    f.save(tmp_path / "model")
    path = tmp_path / "model" / "forecaster.json"
    meta = json.loads(path.read_text())
    # A file written before the input existed: no "noise" in its scaling,
    # no noise_input parameter.
    del meta["scaling"]["noise"]
    del meta["params"]["noise_input"]
    path.write_text(json.dumps(meta))
    g = LSTMForecaster.load(tmp_path / "model")
    assert g.scaler_.noise is None and g.net_.module_.n_past_features == 1
    pd.testing.assert_frame_equal(g.predict(new), f.predict(new))


def test_little_data_gets_no_input(monkeypatch):
    # Two series of 96 months (one from month 25): about 100 training
    # windows, under _NOISE_WINDOWS.
    y = _monthly(n_series=2)
    new = pd.DataFrame(index=pd.date_range(y.index[-1], periods=5, freq="MS")[1:])
    f = LSTMForecaster(lookback=36, horizon=4, **TINY).fit(None, y)
    assert f.n_train_windows_ < forecaster_module._NOISE_WINDOWS
    assert f.scaler_.noise is None and f.net_.module_.n_past_features == 1
    off = LSTMForecaster(lookback=36, horizon=4, noise_input=False, **TINY).fit(None, y)
    pd.testing.assert_frame_equal(f.predict(new), off.predict(new))
    # The same series reads it when the threshold is lowered below its windows.
    monkeypatch.setattr(forecaster_module, "_NOISE_WINDOWS", f.n_train_windows_)
    g = LSTMForecaster(lookback=36, horizon=4, **TINY).fit(None, y)
    assert g.scaler_.noise is not None and g.net_.module_.n_past_features == 2
