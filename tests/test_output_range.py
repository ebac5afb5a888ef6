"""Network outputs kept within the range of the training targets (``clip_outputs``).

A network fitted on little data can output, for a window unlike those it
was trained on, changes far beyond any it saw; chained over a long
forecast they compound (a single M1 series forecast at 29,000 for a level
of 5,000). The point output of each step ahead is kept within the least and
largest scaled target of that step over the training windows
(``target_range_``), checked here against a loop over the windows and by
hand on the forecasts.
"""

import numpy as np
import pandas as pd
import pytest

from seqforecast.neural import GRUForecaster, LSTMForecaster
from seqforecast.neural.data import recent_steps

L, T = 9, 3  # lookback and horizon of the small networks


def _panel(n=40, seed=0):
    """Two positive series of different levels, a trend and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({
        "a": 50 + 0.8 * t + rng.normal(scale=3, size=n),
        "b": 500 + 20 * np.sin(t / 3) + rng.normal(scale=10, size=n),
    })


def _fit(cls=LSTMForecaster, y=None, **params):
    params = {"seasonal_period": 1, "lookback": L, "horizon": T, "hidden_size": 8,
              "max_epochs": 2, "random_state": 0, "n_threads": 1, **params}
    return cls(**params).fit(None, _panel() if y is None else y)


def _scale(past, scaling):
    """A window's scale by hand: the mean absolute value of its last third, or of all of it."""
    part = past[-recent_steps(L):] if scaling == "recent" else past
    return np.mean(np.abs(part))


def _naive_range(y, scaling, min_observed=L // 2):
    """Least and largest ``future / scale - 1`` at each step, over every training window."""
    targets = []
    for column in y:
        values = y[column].to_numpy()
        for start in range(min_observed, len(values) - T + 1):  # first forecast step
            past = values[max(0, start - L):start]
            targets.append(values[start:start + T] / _scale(past, scaling) - 1)
    targets = np.array(targets)
    return np.stack([targets.min(axis=0), targets.max(axis=0)])


@pytest.mark.parametrize("scaling", ["recent", "mean"])
def test_target_range_is_that_of_the_scaled_training_targets(scaling):
    model = _fit(scaling=scaling)
    np.testing.assert_allclose(model.target_range_, _naive_range(_panel(), scaling), rtol=1e-6)
    # Early stopping holds the last horizon of each series out of training.
    held = _fit(scaling=scaling, early_stopping=5)
    np.testing.assert_allclose(held.target_range_,
                               _naive_range(_panel().iloc[:-T], scaling), rtol=1e-6)


def test_no_range_without_a_window_scaling_or_when_switched_off():
    assert _fit(scaling="standard").target_range_ is None
    assert _fit(scaling=None).target_range_ is None
    assert _fit(clip_outputs=False).target_range_ is None


def _last_scale(y):
    return np.array([_scale(y[c].to_numpy()[-L:], "recent") for c in y])


@pytest.mark.parametrize("cls", [LSTMForecaster, GRUForecaster])
def test_point_forecasts_stay_within_the_range_around_the_window_scale(cls):
    free = _fit(cls, clip_outputs=False)
    model = _fit(cls)
    # The same network: clipping changes what is forecast, not what is trained.
    np.testing.assert_array_equal(model.forecast(T), free.forecast(T))
    s = _last_scale(_panel())  # (n_series,)
    relative = free.forecast(T).to_numpy() / s - 1  # (T, n_series)
    # A range that every step leaves: the forecast is its edge, by hand.
    edge = np.array([-0.3, 0.1, 0.2])
    model.target_range_ = np.stack([edge, edge])
    np.testing.assert_allclose(model.forecast(T).to_numpy(), s * (1 + edge[:, None]),
                               rtol=1e-12)
    # Only an upper bound, between the two series' outputs at each step:
    # the series above it is clipped, the other forecast as it was.
    upper = relative.mean(axis=1)
    model.target_range_ = np.stack([np.full(T, -np.inf), upper])
    expected = np.minimum(relative, upper[:, None])
    assert (expected != relative).any() and (expected == relative).any()
    np.testing.assert_allclose(model.forecast(T).to_numpy(), s * (1 + expected), rtol=1e-12)


def test_a_chained_forecast_is_bounded_chunk_by_chunk():
    model = _fit()
    edge = np.full(T, 0.5)  # every step half again the window's level
    model.target_range_ = np.stack([edge, edge])
    got = model.forecast(3 * T).to_numpy()
    # Each chunk starts from the scale of a window that ends in the chunk
    # before it: a loop over the chunks by hand.
    history = _panel().to_numpy()
    for k in range(3):
        s = np.array([_scale(history[-L:, j], "recent") for j in range(history.shape[1])])
        chunk = np.tile(s * 1.5, (T, 1))
        np.testing.assert_allclose(got[k * T:(k + 1) * T], chunk, rtol=1e-12)
        history = np.vstack([history, chunk])


@pytest.mark.parametrize("loss", ["quantile", "gaussian"])
def test_a_clipped_forecast_keeps_its_spread(loss):
    free = _fit(loss=loss, clip_outputs=False)
    model = _fit(loss=loss)
    levels = (0.1, 0.5, 0.9)
    before = free.predict_quantiles(pd.DataFrame(index=range(40, 40 + T)), quantiles=levels)
    edge = np.array([-0.3, 0.1, 0.2])
    model.target_range_ = np.stack([edge, edge])
    after = model.predict_quantiles(pd.DataFrame(index=range(40, 40 + T)), quantiles=levels)
    s = _last_scale(_panel())
    for j, name in enumerate(_panel()):
        b, a = before[name].to_numpy(), after[name].to_numpy()  # (T, 3)
        np.testing.assert_allclose(a[:, 1], s[j] * (1 + edge), rtol=1e-10)
        # Every quantile moved as the median did.
        np.testing.assert_allclose(a - a[:, [1]], b - b[:, [1]], rtol=1e-8, atol=1e-8)


def test_the_range_survives_save_and_load(tmp_path):
    model = _fit()
    edge = np.array([-0.3, 0.1, 0.2])
    model.target_range_ = np.stack([edge, edge + 0.1])
    model.save(tmp_path / "model")
    loaded = LSTMForecaster.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.target_range_, model.target_range_)
    np.testing.assert_array_equal(loaded.forecast(2 * T), model.forecast(2 * T))
    # Files written before the range: no clipping, as they forecast then.
    unclipped = _fit(clip_outputs=False)
    unclipped.save(tmp_path / "old")
    assert LSTMForecaster.load(tmp_path / "old").target_range_ is None


@pytest.mark.parametrize("loss", ["mae", "quantile", "gaussian"])
def test_a_diverged_network_lands_on_the_edge(loss):
    # Outputs of 1e35 or inf (a network that diverged) go to the range's
    # edge; moving them by edge - output lost the edge to rounding (1e35 + -1e35
    # is 0) or gave NaN (inf - inf).
    model = _fit(loss=loss)
    model.target_range_ = np.array([[0.0, 0.0, -np.inf], [0.1, 0.2, np.inf]])
    n_out = model._n_outputs()
    out = np.zeros((2, T, n_out))
    point = model._point_output()
    out[0, :, point] = [1e35, -np.inf, np.inf]  # above, below, open range
    out[1, :, point] = [0.05, np.inf, -1e35]
    if loss == "quantile":  # the other quantiles around the point, 0.5 apart
        offsets = 0.5 * (np.arange(n_out) - point)
        out[0, 0] = 1e35 + offsets * 1e25  # representable to about 2e19 at 1e35
    clipped = model._clip(out)
    expected = [[0.1, 0.0, np.inf], [0.05, 0.2, -1e35]]
    np.testing.assert_array_equal(clipped[:, :, point], expected)
    assert not np.isnan(clipped).any()
    if loss == "quantile":
        np.testing.assert_allclose(clipped[0, 0] - 0.1, offsets * 1e25, rtol=1e-5)
    if loss == "gaussian":
        np.testing.assert_array_equal(clipped[:, :, 1], out[:, :, 1])  # the spread
