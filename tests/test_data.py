"""Training data of the neural forecasters: the host (numpy) and device-resident batches."""

from unittest import mock

import numpy as np
import pandas as pd
import pytest
import torch

from seqforecast.neural import LSTMForecaster, data
from seqforecast.neural import forecaster as forecaster_module
from seqforecast.neural.data import (
    Batches,
    DeviceWindowDataset,
    SampledDataset,
    Scaler,
    WindowDataset,
    relative_naive_scale,
)
from seqforecast.windowing import SlidingWindow

TINY = dict(hidden_size=8, max_epochs=3, windows_per_epoch=64, batch_size=16, random_state=0)


def _long(spec, seed=0):
    """A long panel: spec = [(id, length), ...], each series with its own start; a promo
    covariate per series."""
    rng = np.random.default_rng(seed)
    y, X = [], []
    for k, (sid, n) in enumerate(spec):
        index = pd.MultiIndex.from_product([[sid], np.arange(n)])
        t = np.arange(n)
        y.append(pd.Series(10 + 3 * k + 2 * np.sin(2 * np.pi * t / 12) + rng.normal(0, .3, n),
                           index=index))
        X.append(pd.DataFrame({"promo": rng.integers(0, 2, n).astype(float)}, index=index))
    return pd.concat(y), pd.concat(X)


def _wide(n=80, short=15, seed=1):
    """A wide panel: three series, one starting late (left-padded), one negative;
    shared covariates."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = pd.DataFrame({
        "a": 5 + np.sin(t / 3) + rng.normal(0, .1, n),
        "b": -20 + 3 * np.cos(t / 3),
        "c": 100 + 10 * np.sin(t / 2),
    })
    y.loc[: n - short - 1, "c"] = np.nan
    X = pd.DataFrame({"x": np.sin(t / 5), "trend": t / n})
    return y, X


STATIC = pd.DataFrame({"size": [3.0, 1.0, 2.0], "kind": [0.0, 1.0, 1.0]},
                      index=["a", "b", "c"])

# (name, fit arguments, forecaster parameters, fit keywords)
CASES = {
    "wide, shared covariates, mase": lambda: (
        *_wide()[::-1], dict(horizon=4, lookback=12, loss_scale="mase"), {}),
    "wide, short left-padded series": lambda: (
        None, _wide(short=8)[0],
        dict(horizon=3, lookback=12, min_observed=2, loss_scale="window"), {}),
    "long ragged, per-series covariates, static": lambda: (
        *_long([("a", 30), ("b", 300), ("c", 17)])[::-1],
        dict(horizon=4, lookback=10, min_observed=3, loss_scale="mase"),
        {"static_features": STATIC}),
    "long, static features only, standard scaling": lambda: (
        None, _long([("a", 40), ("b", 25), ("c", 60)])[0],
        dict(horizon=2, lookback=8, scaling="standard"), {"static_features": STATIC}),
    "wide, short left-padded series, recent scaling, mase": lambda: (
        *_wide(short=8)[::-1],
        dict(horizon=3, lookback=12, min_observed=2, scaling="recent", loss_scale="mase"), {}),
    "wide, no scaling": lambda: (
        *_wide()[::-1], dict(horizon=4, lookback=12, scaling=None), {}),
    # Series too short for a whole future: targets NaN past their end.
    "wide, partial futures of a series too short": lambda: (
        None, _wide(short=4)[0],
        dict(horizon=3, lookback=12, min_observed=2, loss_scale="mase"), {}),
    "long ragged, static features only, partial futures": lambda: (
        None, _long([("a", 40), ("b", 6), ("c", 60)])[0],
        dict(horizon=4, lookback=8, loss_scale="window"), {"static_features": STATIC}),
    "wide, left-padded series, noise input": lambda: (
        *_wide(short=40)[::-1],
        dict(horizon=4, lookback=30, min_observed=10, loss_scale="window"), {}),
}


def _host_dataset(monkeypatch, X, y, params, fit_kw):
    """The WindowDataset a (host path) fit trains on, captured from the fit."""
    captured = {}

    class Capture(SampledDataset):
        def __init__(self, dataset, n_windows):
            captured["dataset"] = dataset
            super().__init__(dataset, n_windows)

    monkeypatch.setattr(forecaster_module, "SampledDataset", Capture)
    # The noise-level input on these small panels too (lookbacks over 12).
    monkeypatch.setattr(forecaster_module, "_NOISE_WINDOWS", 0)
    model = LSTMForecaster(**{**TINY, "max_epochs": 1, **params})
    model._device_resident = False
    model.fit(X, y, **fit_kw)
    return captured["dataset"]


def _assert_same_batch(host, device):
    """Host and device pairs (inputs, target) equal, to one float32 unit in the last place."""
    (h_inputs, h_target), (d_inputs, d_target) = host, device
    assert h_inputs.keys() == d_inputs.keys()
    for key in h_inputs:
        h, d = h_inputs[key], d_inputs[key]
        assert h.dtype == d.dtype and h.shape == d.shape, key
        if key == "lengths":
            assert torch.equal(h, d)
        else:
            np.testing.assert_array_max_ulp(h.numpy(), d.numpy(), maxulp=1)
    assert h_target.dtype == d_target.dtype and h_target.shape == d_target.shape
    np.testing.assert_array_max_ulp(h_target.numpy(), d_target.numpy(), maxulp=1)


@pytest.mark.parametrize("precomputed", [True, False], ids=["precomputed", "per-batch"])
@pytest.mark.parametrize("case", list(CASES))
def test_device_batches_equal_the_host_batches(case, precomputed, monkeypatch):
    X, y, params, fit_kw = CASES[case]()
    host = _host_dataset(monkeypatch, X, y, params, fit_kw)
    if not precomputed:  # pairs larger than the budget: each batch made when drawn
        monkeypatch.setattr(data, "_CPU_PRECOMPUTED_BYTES", 0)
    device = DeviceWindowDataset(host, "cpu")
    assert (device.pairs is not None) == precomputed
    assert len(device) == len(host)
    everything = np.arange(len(host))
    shuffled = np.random.default_rng(0).permutation(len(host))[:37]
    for indices in (everything, shuffled):
        _assert_same_batch(host[indices], device[device.positions(indices)])
    # The case really has what its name says.
    inputs, target = host[everything]
    assert (target.shape[-1] == 2) == (params.get("loss_scale") == "mase")
    if "left-padded" in case or "ragged" in case:
        assert (inputs["lengths"] < params["lookback"]).any()
    if X is not None or "static" in fit_kw:
        assert "future" in inputs
    if "partial" in case:
        # Some targets stop at the series' end; the static features carry on.
        assert np.isnan(target[..., 0].numpy()).any()
        if "future" in inputs:  # static features only: each window's rows alike
            future = inputs["future"].numpy()
            np.testing.assert_array_equal(future, np.broadcast_to(future[:, :1], future.shape))
    # The noise-level input, last: some windows read their own, some the median.
    n_past = 1 + (0 if X is None else X.shape[1]) + (len(STATIC.columns) if fit_kw else 0)
    if "noise" in case:
        assert inputs["past"].shape[2] == n_past + 1
        assert len(set(inputs["past"][:, 0, -1].tolist())) > 2
        assert (inputs["past"][:, 0, -1] == np.float32(host.scaler.noise)).any()
    else:
        assert inputs["past"].shape[2] == n_past and host.scaler.noise is None


@pytest.mark.parametrize("scaling", ["mean", "recent", "smoothed"])
def test_device_batches_with_gaps_inside_series(scaling):
    """NaN inside a series (counted observations) and per-series 3-D covariates."""
    rng = np.random.default_rng(0)
    y = rng.normal(10, 2, size=(60, 3))
    y[:20, 1] = np.nan  # a late start
    y[30:33, 0] = np.nan  # a gap: windows over it have fewer observed values
    X = rng.normal(size=(60, 3, 2))
    windows = SlidingWindow(8, 3, min_observed=4).fit(y, X)
    series_idx, target_start = windows.window_indices()
    scaler = Scaler(scaling, y, windows.X_[np.isfinite(windows.X_[:, 0])])
    host = WindowDataset(windows, series_idx, target_start, scaler,
                         relative_naive_scale(y, 1, scaler.floor))
    device = DeviceWindowDataset(host, "cpu")
    order = np.arange(len(host))
    assert len(set(host.windows.n_observed(series_idx, target_start))) > 2
    _assert_same_batch(host[order], device[device.positions(order)])


def test_recent_scaling_reads_the_last_third_of_the_window():
    nan = np.nan
    past = np.array([
        [1.0, 2, 3, 4, 5, 6, 7],  # last third (3 of 7 steps): 5, 6, 7
        [nan, nan, -1, -2, -3, -4, -8],  # a negative mean: the scale is negative
        [nan, 2, 3, 4, nan, -6, nan],  # the observed values of the last third only
        [1.0, 2, 3, 4, nan, nan, nan],  # nothing observed there: the whole window's
        [0.0, 0, 0, 0, 0, 0, 0],  # the floor
        [7.0, 0, 7, 0, 0, 0, 0],  # intermittent: a tenth of the whole window's 2
        [7e-3, 0, 0, 0, 0, 0, 0],  # a tenth of its 1e-3 is under the floor: the floor
    ])
    expected = np.array([6.0, -5.0, 6.0, 2.5, 1e-3, 0.2, 1e-3])[:, None]
    for ops, array in ((data._NUMPY, past), (data._TORCH, torch.from_numpy(past))):
        loc, scale = data._window_scale(ops, "recent", 1e-3, {}, array, None)
        np.testing.assert_allclose(np.asarray(scale), expected, rtol=1e-15)
        np.testing.assert_array_equal(np.asarray(loc), np.asarray(scale))
    # scaling="mean" reads the whole window.
    _, scale = data._window_scale(data._NUMPY, "mean", 1e-3, {}, past, None)
    np.testing.assert_allclose(scale, [[4.0], [-3.6], [3.75], [2.5], [1e-3], [2.0], [1e-3]],
                               rtol=1e-15)
    assert [data.recent_steps(n) for n in (1, 3, 4, 12, 16, 36)] == [1, 1, 2, 4, 6, 12]


@pytest.mark.parametrize("recent_floor", [data.RECENT_FLOOR, 0.0])
def test_recent_scaling_keeps_intermittent_inputs_bounded(recent_floor, monkeypatch):
    # Sparse demand: many windows end in a run of zeros.
    y = pd.DataFrame(np.random.default_rng(0).poisson(0.2, size=(60, 6)).astype(float))
    y.iloc[-8:, :3] = 0.0
    monkeypatch.setattr(data, "RECENT_FLOOR", recent_floor)
    params = dict(horizon=3, lookback=12, seasonal_period=1)
    host = _host_dataset(monkeypatch, None, y, params, {})
    inputs, target = host[np.arange(len(host))]
    largest = float(inputs["past"].abs().max())
    if recent_floor:
        # y / s - 1 with s at least a tenth of the window's mean |y|.
        assert largest <= 12 / recent_floor
        assert np.isfinite(target.numpy()).all()
    else:  # what the floor prevents: windows divided by the data's floor
        assert largest > 1e6


def test_precomputed_pairs_are_the_batches_made_when_drawn(monkeypatch):
    """The scaled pairs made once per fit (in chunks) are bit for bit the batches
    that the same positions give when each batch is made when drawn."""
    X, y, params, fit_kw = CASES["long ragged, per-series covariates, static"]()
    host = _host_dataset(monkeypatch, X, y, params, fit_kw)
    size = DeviceWindowDataset(host, "cpu", precompute=False)._pair_bytes()
    # Chunks of 6 windows: several, the last one short.
    monkeypatch.setattr(data, "_PRECOMPUTE_CHUNK_BYTES", 6 * size + 1)
    stored = DeviceWindowDataset(host, "cpu")
    assert stored.pairs is not None and len(stored) > 3 * 6 and len(stored) % 6
    monkeypatch.setattr(data, "_CPU_PRECOMPUTED_BYTES", 0)
    made = DeviceWindowDataset(host, "cpu")
    assert made.pairs is None
    order = np.random.default_rng(1).permutation(len(host))[:40]
    (a_inputs, a_target), (b_inputs, b_target) = (
        d[d.positions(order)] for d in (stored, made))
    assert list(a_inputs) == list(b_inputs)
    for key in a_inputs:
        torch.testing.assert_close(a_inputs[key], b_inputs[key], rtol=0, atol=0,
                                   equal_nan=True)
    torch.testing.assert_close(a_target, b_target, rtol=0, atol=0, equal_nan=True)


def test_device_batches_come_in_the_host_order():
    """Batches shuffles with the same generator on both paths: the same windows per batch."""
    X, y, _, _ = CASES["wide, shared covariates, mase"]()
    windows = SlidingWindow(12, 4, min_observed=6).fit(y.to_numpy(), X.to_numpy())
    s, t = windows.window_indices()
    host = WindowDataset(windows, s, t, Scaler("mean", y.to_numpy(), X.to_numpy()))
    device = DeviceWindowDataset(host, "cpu")
    batches = [Batches(SampledDataset(data, 50), 16, torch.Generator().manual_seed(3))
               for data in (host, device)]
    pairs = list(zip(*batches, strict=True))
    assert len(pairs) == 4
    for h, d in pairs:
        _assert_same_batch(h, d)


def _fit(X, y, params, fit_kw, device_resident, **extra):
    model = LSTMForecaster(**{**TINY, **params, **extra})
    model._device_resident = device_resident
    return model.fit(X, y, **fit_kw)


def _forecast(model, X):
    """The next ``horizon_`` steps, with future covariates when it was fitted with some."""
    if X is None:
        return np.asarray(model.forecast(model.horizon_), dtype=float)
    future = model._future_frame(model.horizon_, None).index
    if isinstance(future, pd.MultiIndex):  # long: per-series covariates
        X_future = pd.DataFrame({"promo": np.ones(len(future))}, index=future)
    else:
        X_future = X.iloc[-model.horizon_:].set_axis(future)
    return np.asarray(model.predict(X_future), dtype=float)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs
@pytest.mark.parametrize("case", ["wide, shared covariates, mase", "wide, short left-padded series",
                                  "long ragged, per-series covariates, static"])
def test_a_fit_through_the_device_path_forecasts_as_the_host_path(case, monkeypatch):
    # The same weights initialisation and window order, and inputs equal to
    # float32 rounding (the two nanmeans sum in different orders in float64,
    # which rarely shows after rounding to float32), so the forecasts agree to
    # float32 rounding; on the development machine they are bit-identical.
    made = []

    class Spy(DeviceWindowDataset):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(forecaster_module, "DeviceWindowDataset", Spy)
    X, y, params, fit_kw = CASES[case]()
    host = _fit(X, y, params, fit_kw, False, early_stopping=2)
    assert not made
    device = _fit(X, y, params, fit_kw, True, early_stopping=2)
    assert len(made) == 2  # training and validation windows
    # The training windows scaled once; the validation ones when drawn.
    assert made[0].pairs is not None and made[1].pairs is None
    np.testing.assert_allclose(_forecast(device, X), _forecast(host, X), rtol=1e-5)
    # The same history, each batch's loss recorded as a float (the device path
    # reads them back once per epoch).
    for key in ("train_loss", "valid_loss"):
        a, b = (model.net_.history[:, "batches", :, key] for model in (host, device))
        assert all(isinstance(v, float) for epoch in b for v in epoch)
        np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5)
    np.testing.assert_allclose(device.net_.history[:, "valid_loss"],
                               host.net_.history[:, "valid_loss"], rtol=1e-5)


def test_device_path_is_reproducible_with_random_state():
    X, y, params, fit_kw = CASES["wide, shared covariates, mase"]()
    first, second = (_forecast(_fit(X, y, params, fit_kw, True), X) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    other = _forecast(_fit(X, y, params, fit_kw, True, random_state=1), X)
    assert not np.allclose(first, other)


def test_device_path_is_what_cuda_trains_on_and_the_cpu_where_it_draws_every_window(
        monkeypatch):
    model = LSTMForecaster(device="cpu", max_epochs=10)
    model.windows_per_epoch_ = 100
    assert model._device_batches(1000) and not model._device_batches(1001)
    # Data-parallel: each process draws its share of the windows.
    assert model._device_batches(500, (0, 2)) and not model._device_batches(501, (1, 2))
    assert not model._on_cuda()
    monkeypatch.setattr(LSTMForecaster, "_device", lambda self: "cuda:0")
    assert model._device_batches(10**6) and model._on_cuda()
    # MPS has no float64, in which the device path makes its batches.
    monkeypatch.setattr(LSTMForecaster, "_device", lambda self: "mps")
    assert not model._device_batches(10)
    monkeypatch.setattr(LSTMForecaster, "_device", lambda self: "cpu")
    model._device_resident = False
    assert not model._device_batches(10)
    model._device_resident = True
    assert model._device_batches(10**6)


def test_the_cpu_budget_of_scaled_windows(monkeypatch):
    X, y, params, fit_kw = CASES["wide, shared covariates, mase"]()
    host = _host_dataset(monkeypatch, X, y, params, fit_kw)
    assert DeviceWindowDataset(host, "cpu").pairs is not None
    assert DeviceWindowDataset(host, "cpu")._budget() <= data._CPU_PRECOMPUTED_BYTES
    # A quarter of the memory the system says is left, when it says.
    monkeypatch.setattr(data, "available_memory", lambda: 400)
    assert DeviceWindowDataset(host, "cpu")._budget() == 100
    assert DeviceWindowDataset(host, "cpu").pairs is None
    monkeypatch.setattr(data, "available_memory", lambda: None)
    assert DeviceWindowDataset(host, "cpu")._budget() == data._CPU_PRECOMPUTED_BYTES


def test_available_memory_reads_the_system():
    free = data.available_memory()
    # Linux tells (this machine and CI); elsewhere None.
    assert free is None or 0 < free < 1 << 50


@pytest.mark.parametrize(("epochs", "budget", "device_path"),
                         [(1, None, False), (50, None, True), (50, 0, False)])
def test_the_cpu_batches_on_the_device_path_where_the_fit_draws_every_window(
        epochs, budget, device_path, monkeypatch):
    made, sampled = [], []

    class Spy(DeviceWindowDataset):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    class Capture(SampledDataset):
        def __init__(self, dataset, n_windows):
            sampled.append(dataset)
            super().__init__(dataset, n_windows)

    monkeypatch.setattr(forecaster_module, "DeviceWindowDataset", Spy)
    monkeypatch.setattr(forecaster_module, "SampledDataset", Capture)
    if budget is not None:  # the scaled windows larger than the CPU's budget
        monkeypatch.setattr(data, "_CPU_PRECOMPUTED_BYTES", budget)
    _, y, params, _ = CASES["wide, short left-padded series"]()
    model = LSTMForecaster(**{**TINY, **params, "max_epochs": epochs}).fit(None, y)
    drawn = epochs * model.windows_per_epoch_
    # The case is on the side of the rule it names.
    assert (len(sampled[0]) <= drawn) == (epochs > 1)
    if device_path:  # every window scaled once: a batch is three index operations
        assert made == sampled and made[0].pairs is not None
    else:  # numpy batches (with the budget exceeded, the scaled windows were refused)
        assert isinstance(sampled[0], WindowDataset)
        assert all(d.pairs is None for d in made) and len(made) == (budget is not None)
    # On the CPU each batch's loss is recorded as it comes (nothing to wait for).
    assert not model.net_.deferred_loss
    assert all(isinstance(v, float) for v in model.net_.history[-1, "batches", :, "train_loss"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_device_batches_live_on_cuda(monkeypatch):
    X, y, params, fit_kw = CASES["long ragged, per-series covariates, static"]()
    host = _host_dataset(monkeypatch, X, y, params, fit_kw)
    device = DeviceWindowDataset(host, "cuda")
    assert device.pairs is not None
    order = np.arange(len(host))
    inputs, target = device[device.positions(order)]
    # The values on the GPU; the lengths on the host, in pinned memory (the
    # network's copy of them to the device does not wait for it).
    assert target.is_cuda and all(v.is_cuda for k, v in inputs.items() if k != "lengths")
    assert not inputs["lengths"].is_cuda and inputs["lengths"].is_pinned()
    _assert_same_batch(host[order], ({k: v.cpu() for k, v in inputs.items()}, target.cpu()))


def test_device_path_trains_data_parallel_as_the_ordinary_fit(tmp_path):
    """Under a one-process DDP group the device batches fit exactly as without it
    (the sharded order goes through the same positions, the lengths through DDP)."""
    import torch.distributed as dist

    X, y, params, fit_kw = CASES["wide, shared covariates, mase"]()
    ordinary = _forecast(_fit(X, y, params, fit_kw, True), X)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        parallel = _fit(X, y, params, fit_kw, True, distributed=True)
    finally:
        dist.destroy_process_group()
    np.testing.assert_array_equal(_forecast(parallel, X), ordinary)


def _ses_error(x, alpha):
    """Mean absolute one-step error of simple exponential smoothing, a plain loop."""
    level, errors = x[0], []
    for value in x[1:]:
        errors.append(abs(value - level))
        level = alpha * value + (1 - alpha) * level
    return np.mean(errors[1:])


def test_smoothing_constants_minimise_the_one_step_error_of_each_series():
    rng = np.random.default_rng(0)
    walk = 100 + rng.normal(size=80).cumsum()  # a random walk: the cap, 0.5
    noise = 100 + rng.normal(size=80)  # noise around a level: a long memory
    mixed = 100 + rng.normal(size=80).cumsum() * 0.3 + rng.normal(size=80)
    y = np.full((80, 4), np.nan)
    y[:, 0], y[:, 1], y[:, 2] = walk, noise, mixed
    y[-2:, 3] = 5.0  # too short to choose: the middle of the grid
    for cap in (1.0, 0.5):
        with mock.patch.object(data, "_MAX_SMOOTHING", cap):
            alphas = data.smoothing_constants(y)
        grid = data.SMOOTHING_GRID[data.SMOOTHING_GRID <= cap]
        for s, x in enumerate((walk, noise, mixed)):
            errors = [_ses_error(x, a) for a in grid]
            assert alphas[s] == grid[int(np.argmin(errors))]
        assert alphas[0] == cap and alphas[1] <= 0.1 and 0.1 < alphas[2] < 1.0
        assert alphas[3] == 0.5


def test_smoothed_scaling_is_the_exponentially_weighted_mean_of_the_window():
    nan = np.nan
    past = np.array([
        [1.0, 2, 3, 4, 5, 6, 7],
        [nan, nan, -1, -2, -3, -4, -8],  # a negative mean: the scale is negative
        [nan, 2, 3, 4, nan, -6, 5],  # gaps: the observed values' weights only
        [0.0, 0, 0, 0, 0, 0, 0],  # the floor
        [7.0, 0, 7, 0, 0, 0, 0],  # intermittent: a tenth of the window's mean
    ])
    constants = {"alpha": np.array([0.5, 1.0, 0.2])}
    series_idx = np.array([0, 2, 2, 0, 1])
    expected = []
    for row, s in zip(past, series_idx, strict=True):
        alpha = constants["alpha"][s]
        weights = (1 - alpha) ** np.arange(len(row))[::-1]
        seen = ~np.isnan(row)
        level = (weights[seen] * np.abs(row[seen])).sum() / weights[seen].sum()
        level = max(level, data.RECENT_FLOOR * np.abs(row[seen]).mean(), 1e-3)
        expected.append(-level if np.mean(row[seen]) < 0 else level)
    expected = np.array(expected)[:, None]
    assert expected[1, 0] < 0 and expected[3, 0] == 1e-3 and expected[4, 0] == 0.2
    for ops, cast in ((data._NUMPY, np.asarray), (data._TORCH, torch.from_numpy)):
        loc, scale = data._window_scale(ops, "smoothed", 1e-3,
                                        {"alpha": cast(constants["alpha"])},
                                        cast(past), cast(series_idx))
        np.testing.assert_allclose(np.asarray(scale), expected, rtol=1e-12)
        np.testing.assert_array_equal(np.asarray(loc), np.asarray(scale))


def test_smoothed_scaling_keeps_its_constants_through_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    y = pd.DataFrame(100 + rng.normal(size=(60, 3)).cumsum(axis=0))
    y[2] = 100 + rng.normal(size=60)  # a long memory: a small constant
    model = LSTMForecaster(scaling="smoothed", seasonal_period=1, horizon=4, lookback=8,
                           hidden_size=8, max_epochs=2, random_state=0).fit(None, y)
    np.testing.assert_array_equal(model.scaler_.alpha, data.smoothing_constants(y))
    assert model.scaler_.alpha[2] < model.scaler_.alpha[0] == 0.5
    model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.scaler_.alpha, model.scaler_.alpha)
    future = pd.DataFrame(index=range(60, 64))
    np.testing.assert_array_equal(loaded.predict(future), model.predict(future))


@pytest.mark.parametrize("n_windows", [40, 100, 250])
def test_an_epochs_draw_is_torchs_permutation_in_half_the_memory(n_windows):
    """int32 permutations are torch's int64 ones (same draws, same generator state)."""

    class Windows:
        def __len__(self):
            return 100

    sampled = SampledDataset(Windows(), n_windows)
    draws, generator = [], torch.Generator().manual_seed(5)
    for _ in range(2):
        draws.append(sampled.order(generator))
    reference = torch.Generator().manual_seed(5)
    for order in draws:
        passes = -(-n_windows // 100)
        expected = torch.cat([torch.randperm(100, generator=reference) for _ in range(passes)])
        assert order.dtype == np.int32
        np.testing.assert_array_equal(order, expected[:n_windows].numpy())
