"""Shared fixtures: deterministic seeds and small, real-looking series."""

import os

import numpy as np
import pandas as pd
import pytest

# Two cores: keep BLAS and torch to one thread so parallel workers do not
# oversubscribe the machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    # Estimators with random_state=None draw from numpy's global RandomState
    # (sklearn's convention): seeding it keeps such tests deterministic.
    np.random.seed(0)  # noqa: NPY002


@pytest.fixture
def monthly_series():
    """A seasonal monthly series with trend, 60 points, starting 2015-01."""
    t = np.arange(60)
    rng = np.random.default_rng(0)
    values = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)
    index = pd.date_range("2015-01-01", periods=60, freq="MS")
    return pd.Series(values, index=index, name="sales")


@pytest.fixture
def ragged_panel():
    """Three monthly series of lengths 40, 30 and 24, right-aligned."""
    rng = np.random.default_rng(1)
    index = pd.date_range("2018-01-01", periods=40, freq="MS")
    data = {}
    for name, n in [("a", 40), ("b", 30), ("c", 24)]:
        values = np.full(40, np.nan)
        t = np.arange(n)
        values[40 - n:] = 50 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
        data[name] = values
    return pd.DataFrame(data, index=index)


@pytest.fixture
def levels_panel():
    """Three monthly series of levels 1, 5 and 9 (48 points), and their levels as a
    static feature: a frame whose rows are in another order than the columns."""
    rng = np.random.default_rng(0)
    t = np.arange(48)
    y = pd.DataFrame(
        {name: level + np.sin(t / 3 + k) + rng.normal(0, 0.1, 48)
         for k, (name, level) in enumerate([("a", 1.0), ("b", 5.0), ("c", 9.0)])},
        index=pd.date_range("2020-01", periods=48, freq="MS"),
    )
    static = pd.DataFrame({"level": [9.0, 1.0, 5.0]}, index=["c", "a", "b"])
    return y, static


@pytest.fixture
def tiny_lstm():
    """An LSTM forecaster that fits in a fraction of a second (horizon 3)."""
    from seqforecast.neural import LSTMForecaster

    return LSTMForecaster(hidden_size=4, max_epochs=2, windows_per_epoch=64, lookback=8,
                          horizon=3, scaling=None, random_state=0)
